namespace MndFhir.Sync.Progress;

/// <summary>
/// Rate and time left of one stage, measured from its first report: what was done since, over the time since. A rate
/// is said only once it means something: at least a second measured and something done in it. A no-change resync done
/// in a fraction of a second has none (it was 200 resources "in" the 1 ms floor, 200,000/s, from a clock that started at
/// the first report); its figures and elapsed time are in the run's summary.
/// </summary>
public sealed class ProgressRate(TimeProvider clock)
{
    /// <summary>The shortest span a rate is computed over.</summary>
    private static readonly TimeSpan Measured = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, (DateTimeOffset At, long Done)> _firsts = new(StringComparer.Ordinal);

    /// <summary>Per second and time left, each null until it can be told.</summary>
    public (double? PerSecond, TimeSpan? Left) Update(RunProgress progress)
    {
        var now = clock.GetUtcNow();
        if (!_firsts.TryGetValue(progress.Stage, out var first) || progress.Done < first.Done)
        {
            first = (now, progress.Done);
            _firsts[progress.Stage] = first;
        }

        if (progress.Finished)
        {
            // The next run of this stage (the service's next sync of a destination) is measured from its own start.
            _firsts.Remove(progress.Stage);
        }

        var elapsed = now - first.At;
        var done = progress.Done - first.Done;
        if (elapsed < Measured || done <= 0)
        {
            return (null, null);
        }

        var rate = done / elapsed.TotalSeconds;
        TimeSpan? left = progress.Total is { } total && total > progress.Done ? TimeSpan.FromSeconds((total - progress.Done) / rate) : null;
        return (rate, left);
    }

    /// <summary>"5,000 of ~16,119 resources (1,234/s, about 9 s left)", or a percentage for bytes; no rate until one is known.</summary>
    public string Describe(RunProgress p)
    {
        var (rate, left) = Update(p);
        var done = p.Unit == "bytes" && p.Total is > 0 ? $"{100.0 * p.Done / p.Total.Value:0}%" : p.Total is { } t ? $"{p.Done:N0} of ~{t:N0} {p.Unit}" : $"{p.Done:N0} {p.Unit}";
        if (rate is not { } perSecond)
        {
            return $"{p.Stage}: {done}";
        }

        var speed = p.Unit == "bytes" ? $"{perSecond / 1_000_000:0.0} MB/s" : $"{perSecond:N0}/s";
        return $"{p.Stage}: {done} ({speed}{(left is { } l ? $", about {Format(l)} left" : string.Empty)})";
    }

    private static string Format(TimeSpan t) => t.TotalSeconds < 90 ? $"{t.TotalSeconds:0} s" : t.TotalMinutes < 90 ? $"{t.TotalMinutes:0} min" : $"{t.TotalHours:0.0} h";
}
