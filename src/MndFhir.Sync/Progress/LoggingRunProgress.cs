using Microsoft.Extensions.Logging;

namespace MndFhir.Sync.Progress;

/// <summary>The service's progress: a log line every 5,000 items or 30 seconds of a stage, and one when it ends.</summary>
public sealed class LoggingRunProgress(ILogger<LoggingRunProgress> logger, TimeProvider clock) : IRunProgress
{
    private const long Every = 5_000;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly ProgressRate _rate = new(clock);
    private readonly Dictionary<string, (long Done, DateTimeOffset At)> _shown = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Report(RunProgress progress)
    {
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            var shown = _shown.GetValueOrDefault(progress.Stage, (0, now));
            var worth = progress.Finished || progress.Done - shown.Done >= (progress.Unit == "bytes" ? Every * 200 : Every) || now - shown.At >= Interval;
            var line = _rate.Describe(progress);
            if (!worth)
            {
                return;
            }

            _shown[progress.Stage] = (progress.Done, now);
            logger.LogInformation("Progress {Progress}", line);
        }
    }
}
