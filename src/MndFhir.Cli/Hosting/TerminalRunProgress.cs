using MndFhir.Sync.Progress;

namespace MndFhir.Cli.Hosting;

/// <summary>
/// Progress of imports and syncs on the CLI's standard error: on a terminal one line rewritten in place (at most five
/// times a second); when the output is not a terminal (a pipe, a log file, cron), a plain line every ten seconds. Both
/// end a stage with its final figures. Standard output keeps only the results.
/// </summary>
internal sealed class TerminalRunProgress(TimeProvider clock) : IRunProgress
{
    private readonly ProgressRate _rate = new(clock);
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private readonly Lock _lock = new();
    private DateTimeOffset _shown;
    private int _width;

    public void Report(RunProgress progress)
    {
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            var line = _rate.Describe(progress);
            if (!progress.Finished && now - _shown < (_terminal ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(10)))
            {
                return;
            }

            _shown = now;
            if (_terminal)
            {
                Console.Error.Write("\r" + line.PadRight(_width) + (progress.Finished ? "\n" : string.Empty));
                _width = progress.Finished ? 0 : line.Length;
            }
            else if (!progress.Finished)
            {
                Console.Error.WriteLine(line);
            }
        }
    }
}
