using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// How many resources the next batch to a FHIR server holds. It starts at the destination's <c>BatchSize</c> (a limit
/// the operator or the server set, never exceeded) and follows the server's answer time: the aim is an answer in a
/// quarter of the request timeout, so a batch answered near the timeout shrinks at once to what the server answers
/// in time, and a batch answered fast grows back, by half at most each time. The time observed is that of the attempt
/// the server answered (<see cref="AttemptTimer"/>, inside the resilience pipeline): a timed-out attempt, a dropped
/// connection, a 5xx or a 429 and the waits before the retry say nothing about the server's speed and are not counted.
/// On for FHIR destinations unless <c>AdaptBatchSize</c> is false; file destinations keep their size. Observed by the
/// batches in flight together, read by the planner: thread-safe.
/// </summary>
public sealed class AdaptiveBatchSize
{
    private readonly int _max;
    private readonly TimeSpan _target;
    private readonly bool _adapts;
    private readonly Lock _lock = new();
    private int _current;

    public AdaptiveBatchSize(int configured, TimeSpan timeout, bool adapts)
    {
        _max = Math.Max(1, configured);
        _current = _max;
        _target = timeout / 4;
        _adapts = adapts;
    }

    public static AdaptiveBatchSize For(DestinationOptions destination) =>
        new(destination.BatchSize, TimeSpan.FromSeconds(destination.TimeoutSeconds), destination.Kind == DestinationKind.FhirRest && destination.AdaptBatchSize);

    /// <summary>The size of the next batch; read by the planner while the sender observes answers.</summary>
    public int Current => Volatile.Read(ref _current);

    /// <summary>The server answered <paramref name="sent"/> resources in <paramref name="answered"/>.</summary>
    public void Observe(int sent, TimeSpan answered)
    {
        if (!_adapts || sent <= 0 || answered <= TimeSpan.Zero)
        {
            return;
        }

        var perResource = answered.TotalMilliseconds / sent;
        var inTime = (int)Math.Clamp(_target.TotalMilliseconds / perResource, 1, _max);
        lock (_lock)
        {
            // Shrink at once to what is answered in time; grow by at most half as much again (a fast answer to a small
            // batch says less about a large one).
            var current = _current;
            var next = inTime < current ? inTime : Math.Min(inTime, current + Math.Max(1, current / 2));
            Volatile.Write(ref _current, Math.Clamp(next, 1, _max));
        }
    }
}
