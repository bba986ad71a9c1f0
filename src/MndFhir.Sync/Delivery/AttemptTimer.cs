using System.Net;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// The innermost handler of a destination's HttpClient, inside the resilience pipeline: it times each attempt of a
/// request on its own. An attempt the server answered (2xx, or a 4xx other than 408 and 429) leaves its time in the
/// request's <see cref="AnswerTime"/>; a timed-out attempt, a dropped connection or a transient status (408, 429, 5xx)
/// leaves nothing, so what <see cref="AdaptiveBatchSize"/> learns is how long the server takes to answer, not how
/// long the network took to fail and the retries to wait.
/// </summary>
internal sealed class AttemptTimer(TimeProvider clock) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var response = await base.SendAsync(request, cancellationToken);
        if (request.Options.TryGetValue(AnswerTime.Key, out var time) && Answered(response.StatusCode))
        {
            time.Answered = clock.GetElapsedTime(started);
        }

        return response;
    }

    private static bool Answered(HttpStatusCode status) =>
        status is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests) && (int)status < 500;
}

/// <summary>How long the server took to answer the attempt that was answered (null: none was).</summary>
public sealed class AnswerTime
{
    public static readonly HttpRequestOptionsKey<AnswerTime> Key = new("MndFhir.AnswerTime");

    public TimeSpan? Answered { get; set; }
}
