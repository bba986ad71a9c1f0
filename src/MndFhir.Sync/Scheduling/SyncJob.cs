using Hangfire;
using MndFhir.Sync.Runs;

namespace MndFhir.Sync.Scheduling;

/// <summary>
/// The Hangfire job of a destination. Hangfire only decides when it runs; the ledger decides what is sent, so a job
/// lost with Hangfire's storage costs nothing but a delay. The database lease keeps one sync per destination even
/// across service instances.
/// </summary>
public sealed class SyncJob(SyncRunner runner)
{
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public async Task RunAsync(string destination, string trigger, CancellationToken cancellationToken)
    {
        try
        {
            await runner.RunAsync(destination, trigger, cancellationToken);
        }
        catch (SyncAlreadyRunningException)
        {
            // Another instance is syncing this destination right now; the next occurrence will find its work done.
        }
    }
}
