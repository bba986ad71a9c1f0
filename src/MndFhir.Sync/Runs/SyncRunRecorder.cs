using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MndFhir.Data;
using MndFhir.Sync.Delivery;

namespace MndFhir.Sync.Runs;

/// <summary>
/// The run history of a destination: a run is recorded Running when it starts, and Succeeded, PartlySucceeded or Failed
/// with its figures and reason when it ends, whatever ends it. Runs a dead process left Running are closed as failed.
/// </summary>
public sealed class SyncRunRecorder(IDbContextFactory<MndFhirDbContext> contexts, TimeProvider clock, ILogger<SyncRunRecorder> logger)
{
    private const int ReasonLength = 1000;

    /// <summary>Holding the destination's lease: any run still marked Running was cut off; the new run is recorded.</summary>
    public async Task<SyncRun> StartAsync(string destination, string trigger, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        await db.SyncRuns
            .Where(r => r.Destination == destination && r.Outcome == SyncOutcome.Running)
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Outcome, SyncOutcome.Failed)
                    .SetProperty(r => r.FinishedAt, now)
                    .SetProperty(r => r.Error, "The process running this sync stopped before it finished; the next sync took over from the ledger."),
                ct);
        var run = new SyncRun { Destination = destination, Trigger = trigger, StartedAt = now, Outcome = SyncOutcome.Running };
        db.SyncRuns.Add(run);
        await db.SaveChangesAsync(ct);
        return run;
    }

    /// <summary>A run that went to its end (or stopped on an unreachable destination, with the reason in the summary).</summary>
    public async Task FinishAsync(SyncRun run, SyncRunSummary summary)
    {
        var outcome = summary.Error is not null ? SyncOutcome.Failed
            : summary.Failed + summary.Blocked + summary.ConsentWithdrawnHeld > 0 ? SyncOutcome.PartlySucceeded
            : SyncOutcome.Succeeded;
        await WriteAsync(run, summary, outcome, summary.Error ?? summary.ConsentWithdrawnNotice);
        if (summary.ConsentWithdrawnNotice is not null)
        {
            logger.LogWarning(
                "Sync {RunId} of {Destination}: the destination holds {ResourceCount} resources of {PatientCount} patients whose registry consent was withdrawn (policy Report)",
                run.Id, run.Destination, summary.ConsentWithdrawnHeld, summary.ConsentWithdrawnPatients);
        }

        logger.LogInformation(
            "Sync {RunId} of {Destination} finished {Outcome}: {Considered} considered, {Created} created, {Updated} updated, {Unchanged} unchanged, {Failed} failed ({Invalid} invalid, not sent), {Blocked} blocked in {ElapsedMs:0} ms",
            run.Id, run.Destination, outcome, summary.Considered, summary.Created, summary.Updated, summary.Unchanged, summary.Failed, summary.Invalid, summary.Blocked, summary.Elapsed.TotalMilliseconds);
    }

    /// <summary>
    /// Whatever stopped the run after it was recorded (credentials refused, a wrong base URL, a file destination that
    /// cannot write, the database, a bug, cancellation), it is recorded Failed with the reason on one line, never left
    /// Running. The stack trace goes to the log, and only for what is not an operator's matter.
    /// </summary>
    /// <summary>The reason a run cancelled by its process's stop (Ctrl-C, SIGTERM, the service shutting down) records.</summary>
    public const string StoppedOnRequest = "Stopped on request (Ctrl-C, SIGTERM or the service shutting down) before it finished; what the destination confirmed is recorded";

    public async Task StoppedAsync(SyncRun run, SyncRunSummary summary, Exception stop)
    {
        // A timeout (HttpClient's, say) is a TaskCanceledException around a TimeoutException: not a stop on request.
        var reason = (stop is OperationCanceledException { InnerException: not TimeoutException } ? StoppedOnRequest : stop.Message).ReplaceLineEndings(" ");
        reason = reason.Length > ReasonLength ? reason[..ReasonLength] : reason;
        if (stop is DestinationWriteException or DestinationAuthenticationException or DestinationMisconfiguredException or SyncAlreadyRunningException or OperationCanceledException)
        {
            logger.LogError(SyncLogEvents.SyncStopped, "Sync {RunId} of {Destination} stopped: {Reason}", run.Id, run.Destination, reason);
        }
        else
        {
            logger.LogError(SyncLogEvents.SyncStopped, stop, "Sync {RunId} of {Destination} stopped: {Reason}", run.Id, run.Destination, reason);
        }

        try
        {
            await WriteAsync(run, summary, SyncOutcome.Failed, reason);
        }
        catch (Exception ex)
        {
            // The database itself is gone: the next sync of the destination marks this run failed.
            logger.LogError(ex, "Sync {RunId} of {Destination}: could not record that it stopped", run.Id, run.Destination);
        }
    }

    /// <summary>A fresh context and no cancellation: this bookkeeping must happen even when the run was cancelled.</summary>
    private async Task WriteAsync(SyncRun run, SyncRunSummary summary, SyncOutcome outcome, string? error)
    {
        var now = clock.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await db.SyncRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(
            s => s.SetProperty(r => r.Outcome, outcome)
                .SetProperty(r => r.FinishedAt, now)
                .SetProperty(r => r.Error, error)
                .SetProperty(r => r.Considered, summary.Considered)
                .SetProperty(r => r.Unchanged, summary.Unchanged)
                .SetProperty(r => r.Created, summary.Created)
                .SetProperty(r => r.Updated, summary.Updated)
                .SetProperty(r => r.Failed, summary.Failed)
                .SetProperty(r => r.Blocked, summary.Blocked),
            CancellationToken.None);
    }
}
