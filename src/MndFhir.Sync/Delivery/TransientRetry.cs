using System.Net;
using Microsoft.Extensions.Logging;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// Retries what may succeed a moment later (connection failures, timeouts, 408, 429, 5xx) with exponential backoff,
/// full jitter and the server's Retry-After, within a bounded number of attempts and total time. Everything else is
/// returned at once: a 4xx with an OperationOutcome is the server's final word on that content.
/// </summary>
public sealed class TransientRetry(ILogger logger, int maxAttempts = 5, TimeSpan? baseDelay = null, TimeSpan? maxTotal = null)
{
    private readonly TimeSpan _baseDelay = baseDelay ?? TimeSpan.FromSeconds(1);
    private readonly TimeSpan _maxTotal = maxTotal ?? TimeSpan.FromMinutes(2);

    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, HttpClient http, string destination, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage? response = null;
            string failure;
            TimeSpan? retryAfter = null;
            try
            {
                response = await http.SendAsync(request(), HttpCompletionOption.ResponseContentRead, ct);
                if (!IsTransient(response.StatusCode))
                {
                    return response;
                }

                failure = $"HTTP {(int)response.StatusCode}";
                retryAfter = response.Headers.RetryAfter?.Delta
                    ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
            }
            catch (HttpRequestException ex)
            {
                failure = ex.HttpRequestError.ToString();
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                failure = "timeout";
            }

            var delay = retryAfter ?? TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * _baseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
            if (delay < TimeSpan.Zero)
            {
                delay = TimeSpan.Zero;
            }

            var elapsed = DateTimeOffset.UtcNow - started;
            if (attempt >= maxAttempts || elapsed + delay > _maxTotal)
            {
                response?.Dispose();
                throw new DestinationUnavailableException(
                    $"Destination '{destination}' failed {attempt} times within {elapsed.TotalSeconds:0} s; last failure: {failure}.");
            }

            logger.LogWarning(
                "Transient failure {Failure} from {Destination}, attempt {Attempt} of {MaxAttempts}; retrying in {DelayMs:0} ms",
                failure, destination, attempt, maxAttempts, delay.TotalMilliseconds);
            response?.Dispose();
            await Task.Delay(delay, ct);
        }
    }
}
