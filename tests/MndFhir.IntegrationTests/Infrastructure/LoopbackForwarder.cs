using Microsoft.AspNetCore.Http;

namespace MndFhir.IntegrationTests.Infrastructure;

/// <summary>Passes a request on to the real FHIR test server unchanged and its answer back (a thin front's last step).</summary>
internal sealed class LoopbackForwarder(Uri upstream) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromMinutes(2) };

    public async Task ForwardAsync(HttpContext context)
    {
        using var forward = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(upstream.GetLeftPart(UriPartial.Authority) + context.Request.Path + context.Request.QueryString));
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        if (buffer.Length > 0)
        {
            forward.Content = new ByteArrayContent(buffer.ToArray());
            if (context.Request.ContentType is { } type)
            {
                forward.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }

        using var answer = await _http.SendAsync(forward);
        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var header in new[] { "Location", "ETag" })
        {
            if (answer.Headers.TryGetValues(header, out var values))
            {
                context.Response.Headers[header] = values.ToArray();
            }
        }

        context.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
        await context.Response.Body.WriteAsync(await answer.Content.ReadAsByteArrayAsync());
    }

    public void Dispose() => _http.Dispose();
}
