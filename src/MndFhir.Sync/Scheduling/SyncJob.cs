using Hangfire;
using Microsoft.Extensions.Logging;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Runs;

namespace MndFhir.Sync.Scheduling;

/// <summary>
/// The Hangfire job of a destination. Hangfire only decides when it runs; the ledger decides what is sent, so a job
/// lost with Hangfire's storage costs nothing but a delay. The job's state comes from the sync: a destination that
/// stayed unreachable fails the job and is retried a few times (that may pass); refused credentials, a wrong base URL
/// or a write fault fail it without retry (a person must act). A sync already running elsewhere is no failure.
/// No Hangfire DisableConcurrentExecution: the database lease already keeps one sync per destination, and Hangfire's
/// lock is per method (it would serialise all destinations) and outlives a killed instance until it times out (a
/// scale-out test waited ten minutes behind it).
/// </summary>
public sealed class SyncJob(SyncRunner runner, ILogger<SyncJob> logger)
{
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [60, 300, 900], OnlyOn = [typeof(DestinationUnavailableException)])]
    public async Task RunAsync(string destination, string trigger, CancellationToken cancellationToken)
    {
        SyncRunSummary summary;
        try
        {
            summary = await runner.RunAsync(destination, trigger, cancellationToken);
        }
        catch (SyncAlreadyRunningException ex)
        {
            logger.LogInformation("Sync of {Destination} not started: {Reason}", destination, ex.Message);
            return;
        }

        if (summary.Error is not null)
        {
            throw new DestinationUnavailableException(summary.Error);
        }
    }
}
