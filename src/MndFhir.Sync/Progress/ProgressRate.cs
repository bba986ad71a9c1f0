namespace MndFhir.Sync.Progress;

/// <summary>Rate and time left of one stage, from its start and the latest report.</summary>
public sealed class ProgressRate(TimeProvider clock)
{
    private readonly Dictionary<string, (DateTimeOffset Started, long Done)> _stages = new(StringComparer.Ordinal);

    public (double PerSecond, TimeSpan? Left) Update(RunProgress progress)
    {
        var now = clock.GetUtcNow();
        if (!_stages.TryGetValue(progress.Stage, out var stage) || progress.Done < stage.Done)
        {
            stage = (now, 0);
        }

        _stages[progress.Stage] = (stage.Started, progress.Done);
        var seconds = Math.Max(0.001, (now - stage.Started).TotalSeconds);
        var rate = progress.Done / seconds;
        TimeSpan? left = progress.Total is { } total && rate > 0 && total > progress.Done ? TimeSpan.FromSeconds((total - progress.Done) / rate) : null;
        return (rate, left);
    }

    /// <summary>"5,000 of ~16,119 resources (1,234/s, about 9 s left)", or a percentage for bytes.</summary>
    public string Describe(RunProgress p)
    {
        var (rate, left) = Update(p);
        var done = p.Unit == "bytes" && p.Total is > 0 ? $"{100.0 * p.Done / p.Total.Value:0}%" : p.Total is { } t ? $"{p.Done:N0} of ~{t:N0} {p.Unit}" : $"{p.Done:N0} {p.Unit}";
        var speed = p.Unit == "bytes" ? $"{rate / 1_000_000:0.0} MB/s" : $"{rate:N0}/s";
        return $"{p.Stage}: {done} ({speed}{(left is { } l ? $", about {Format(l)} left" : string.Empty)})";
    }

    private static string Format(TimeSpan t) => t.TotalSeconds < 90 ? $"{t.TotalSeconds:0} s" : t.TotalMinutes < 90 ? $"{t.TotalMinutes:0} min" : $"{t.TotalHours:0.0} h";
}
