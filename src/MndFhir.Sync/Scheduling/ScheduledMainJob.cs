using Hangfire;
using Microsoft.Extensions.Logging;
using MndFhir.Sync.Intake;

namespace MndFhir.Sync.Scheduling;

/// <summary>
/// The main job as Hangfire runs it (schedule or API). A failure fails the job, so the dashboard shows it Failed with the
/// reason; it is not retried by Hangfire: the next occurrence looks again. An import or sync already running elsewhere
/// is no failure: that work is being done.
/// </summary>
public sealed class ScheduledMainJob(MainJob main, ILogger<ScheduledMainJob> logger)
{
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(string trigger, CancellationToken cancellationToken)
    {
        MainJobResult result;
        try
        {
            result = await main.RunAsync(new MainJobOptions { Trigger = trigger, SyncWithoutNewExport = trigger == "api" }, cancellationToken);
        }
        catch (ImportBusyException ex)
        {
            logger.LogInformation("The main job waits for the next occurrence: {Reason}", ex.Message);
            return;
        }

        if (result.Failed)
        {
            throw new MainJobFailedException(result);
        }
    }
}
