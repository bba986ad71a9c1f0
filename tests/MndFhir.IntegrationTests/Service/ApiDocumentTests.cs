using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Serilog;

namespace MndFhir.IntegrationTests.Service;

/// <summary>The service's OpenAPI document, fetched from a running service: valid, complete, and guarded as the API.</summary>
[Collection(HangfireCollection.Name)]
public sealed partial class ApiDocumentTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-openapi-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task The_openapi_document_is_valid_and_documents_every_route_the_service_maps_with_its_answers_and_problems()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var service = await RunningService.StartAsync(_folder, withKey: false, new LoggerConfiguration().CreateLogger(), cts.Token);
        using var http = service.Client();

        var text = await http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), cts.Token);
        var read = OpenApiDocument.Parse(text, OpenApiConstants.Json, new OpenApiReaderSettings());
        Assert.Empty(read.Diagnostic?.Errors ?? []);
        var document = read.Document!;
        Assert.StartsWith("3.", read.Diagnostic!.SpecificationVersion.ToString().Replace("OpenApi", string.Empty, StringComparison.Ordinal).Replace('_', '.'), StringComparison.Ordinal);
        Assert.Empty(document.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);

        // Every route the service maps is in the document (but the document's own and its reference page's), and
        // nothing else is: a route added without documentation fails here.
        var mapped = ((IEndpointRouteBuilder)service.App).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => (Path: Normalise(e.RoutePattern.RawText!), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(e => !e.Path.StartsWith("/openapi/", StringComparison.Ordinal) && !e.Path.StartsWith("/scalar", StringComparison.Ordinal))
            .SelectMany(e => e.Methods.Select(m => $"{m} {e.Path}"))
            .Order(StringComparer.Ordinal).ToList();
        var documented = document.Paths
            .SelectMany(p => p.Value.Operations!.Keys.Select(m => $"{m.Method.ToUpperInvariant()} {p.Key}"))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Contains("GET /api/status", mapped);
        Assert.Contains("GET /health", mapped);
        Assert.Equal(mapped, documented);

        // Every operation says what it answers and which problems; everything but /health is staff-only (401).
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations!)
            {
                var where = $"{method} {path}";
                Assert.False(string.IsNullOrWhiteSpace(operation.Summary), $"{where} has no summary");
                var responses = operation.Responses!;
                Assert.Contains(responses.Keys, k => k.StartsWith('2'));
                Assert.All(responses.Where(r => r.Key.StartsWith('2') && r.Key != "204"), r => Assert.NotEmpty(r.Value.Content ?? new Dictionary<string, OpenApiMediaType>()));
                if (path != "/health")
                {
                    Assert.True(responses.ContainsKey("401"), $"{where} does not document 401");
                    Assert.True(responses["401"].Content!.ContainsKey("application/problem+json"), $"{where}: 401 is not a problem");
                }
            }
        }

        Assert.True(document.Paths["/api/destinations/{name}/sync"].Operations![HttpMethod.Post].Responses!.ContainsKey("404"));
        Assert.True(document.Paths["/api/dead-letters/{id}"].Operations![HttpMethod.Get].Responses!.ContainsKey("404"));
        Assert.True(document.Paths["/health"].Operations![HttpMethod.Get].Responses!.ContainsKey("503"));

        // Outcomes as words: the run's outcome is a string with the outcome names.
        var outcome = document.Components!.Schemas!["SyncRunView"].Properties!["outcome"];
        var outcomeSchema = outcome is OpenApiSchemaReference reference ? reference.Target! : outcome;
        Assert.Equal(["Running", "Succeeded", "PartlySucceeded", "Failed"], outcomeSchema.Enum!.Select(e => e!.GetValue<string>()));
        Assert.True(document.Components.SecuritySchemes!.ContainsKey("apiKey"));

        // The reference page is served with the service (its script too, no outside address).
        var page = await http.GetStringAsync(new Uri("/scalar/v1", UriKind.Relative), cts.Token);
        Assert.Contains("openapi/v1.json", page, StringComparison.Ordinal);
        Assert.DoesNotContain("cdn.", page, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task With_an_api_key_the_document_and_the_reference_page_need_it_as_the_api_does()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var service = await RunningService.StartAsync(_folder, withKey: true, new LoggerConfiguration().CreateLogger(), cts.Token);
        using var anonymous = service.Client(withKey: false);
        using var staff = service.Client();

        foreach (var path in new[] { "/openapi/v1.json", "/scalar/v1", "/api/status" })
        {
            var refused = await anonymous.GetAsync(new Uri(path, UriKind.Relative), cts.Token);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync(new Uri(path, UriKind.Relative), cts.Token)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("/health", UriKind.Relative), cts.Token)).StatusCode);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A route pattern as an OpenAPI path: <c>{id:long}</c> becomes <c>{id}</c>, optional markers and a trailing slash (a group's own route) go.</summary>
    private static string Normalise(string pattern) => RouteParameter().Replace("/" + pattern.Trim('/'), "{${name}}");

    [GeneratedRegex(@"\{\*?(?<name>[A-Za-z0-9_]+)(:[^}?]+)?\??\}")]
    private static partial Regex RouteParameter();
}
