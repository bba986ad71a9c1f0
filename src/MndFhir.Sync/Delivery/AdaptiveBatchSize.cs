using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// How many resources the next batch to a FHIR server holds. It starts at the destination's <c>BatchSize</c> (a limit
/// the operator or the server set, never exceeded) and follows the server's answer time: the aim is an answer in a
/// quarter of the request timeout, so a batch answered near the timeout shrinks at once to what the server answers
/// in time, and a batch answered fast grows back, by half at most each time. File destinations keep their size, and so
/// does a FHIR destination unless <c>AdaptBatchSize</c> is set: the time observed is the whole batch's, retries included,
/// so a network that drops requests (not a slow server) shrinks it too; measuring single attempts is left to do.
/// </summary>
public sealed class AdaptiveBatchSize
{
    private readonly int _max;
    private readonly TimeSpan _target;
    private readonly bool _adapts;
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
        var current = Current;

        // Shrink at once to what is answered in time; grow by at most half as much again (a fast answer to a small batch
        // says less about a large one).
        var next = inTime < current ? inTime : Math.Min(inTime, current + Math.Max(1, current / 2));
        Volatile.Write(ref _current, Math.Clamp(next, 1, _max));
    }
}
