using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MndFhir.Data;
using MndFhir.Planning;
using MndFhir.Sync.Records;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Ledger;
using MndFhir.Validation;

namespace MndFhir.Sync.Runs;

/// <summary>
/// One sync of one destination: take the destination's lease, stream the change set tier by tier, send it in
/// batches, and record in the ledger exactly what the destination confirmed. Every resource is validated against
/// FHIR R4 and the project profiles before it may be sent; an invalid one is recorded as a dead letter with the
/// validator's OperationOutcome (element and rule) and never sent. Whatever stops it, the next run starts
/// again from the ledger and sends only what is missing.
/// </summary>
public sealed class SyncRunner(
    IDbContextFactory<MndFhirDbContext> contexts,
    ResourcePlan plan,
    DeliveryLedger ledger,
    IDestinationWriterFactory writers,
    IResourceValidator validator,
    IOptions<SyncSettings> settings,
    TimeProvider clock,
    ILogger<SyncRunner> logger)
{
    private static readonly TimeSpan LeaseTime = TimeSpan.FromMinutes(10);

    public async Task<SyncRunSummary> RunAsync(string destinationName, string trigger, CancellationToken ct)
    {
        var destination = settings.Value.Find(destinationName);
        var holder = LeaseHolder.New();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var leases = new DestinationLeaseStore(db, clock);
        if (!await leases.TryAcquireLeaseAsync(destination.Name, holder, LeaseTime, ct)
            && !await TakeOverFromDeadProcessAsync(leases, destination.Name, holder, ct))
        {
            throw new SyncAlreadyRunningException(destination.Name);
        }

        // An import and a sync never run at once (see ImportGate): having taken the lease, look for an import's.
        if ((await leases.LiveLeasesAsync(ct)).Any(l => l.Destination == DestinationLeaseStore.ImportLease))
        {
            await leases.ReleaseLeaseAsync(destination.Name, holder, CancellationToken.None);
            throw new SyncAlreadyRunningException(
                $"An import of the clinic export is running; the sync of '{destination.Name}' did not start (try again when the import has finished).",
                innerException: null);
        }

        try
        {
            return await RunLeasedAsync(db, leases, destination, holder, trigger, ct);
        }
        finally
        {
            await leases.ReleaseLeaseAsync(destination.Name, holder, CancellationToken.None);
        }
    }

    /// <summary>
    /// A lease whose holder was a process on this machine that no longer exists (killed, crashed) is taken over at once
    /// instead of waiting for it to expire; a holder on another machine is trusted until its lease expires.
    /// </summary>
    private async Task<bool> TakeOverFromDeadProcessAsync(DestinationLeaseStore leases, string destination, string holder, CancellationToken ct)
    {
        var current = await leases.HolderAsync(destination, ct);
        if (LeaseHolder.DeadLocalProcess(current) is not { } pid)
        {
            return false;
        }

        var taken = await leases.TakeOverAsync(destination, current!, holder, LeaseTime, ct);
        if (taken)
        {
            logger.LogWarning("Took over the lease of {Destination} from process {Pid}, which no longer runs", destination, pid);
        }

        return taken;
    }

    private async Task<SyncRunSummary> RunLeasedAsync(
        MndFhirDbContext db, DestinationLeaseStore leases, DestinationOptions destination, string holder, string trigger, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();

        // Holding the lease, any run still marked running was cut off (the process died): say so.
        var now = clock.GetUtcNow();
        await db.SyncRuns
            .Where(r => r.Destination == destination.Name && r.Outcome == SyncOutcome.Running)
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Outcome, SyncOutcome.Failed)
                    .SetProperty(r => r.FinishedAt, now)
                    .SetProperty(r => r.Error, "The process running this sync stopped before it finished; the next sync took over from the ledger."),
                ct);

        var run = new SyncRun { Destination = destination.Name, Trigger = trigger, StartedAt = clock.GetUtcNow(), Outcome = SyncOutcome.Running };
        db.SyncRuns.Add(run);
        await db.SaveChangesAsync(ct);
        var summary = new SyncRunSummary { RunId = run.Id, Destination = destination.Name };
        logger.LogInformation("Sync {RunId} of {Destination} started ({Trigger})", run.Id, destination.Name, trigger);

        try
        {
            var snapshot = await ledger.LoadAsync(destination.Name, ct);
            var resolver = new LedgerReferenceResolver(snapshot, plan.Mapper.Identity);
            var writer = writers.Create(destination, run.Id, run.StartedAt);
            try
            {
                await using (writer)
                {
                    await using var reader = await contexts.CreateDbContextAsync(ct);
                    var changes = new ChangeSetBuilder(plan, new DatabaseRecordSource(reader, RecordScope.For(destination)), destination, snapshot);
                    foreach (var tier in ResourcePlan.Tiers)
                    {
                        var batch = new List<ChangeSetItem>(destination.BatchSize);
                        await foreach (var item in changes.TierAsync(tier, resolver, ct))
                        {
                            summary.Considered++;
                            switch (item.Kind)
                            {
                                case ChangeKind.Unchanged:
                                    summary.Unchanged++;
                                    continue;
                                case ChangeKind.Blocked:
                                    summary.Blocked++;
                                    continue;
                            }

                            batch.Add(item);
                            if (batch.Count == destination.BatchSize)
                            {
                                await FlushAsync(batch, writer, snapshot, summary, ct);
                                await leases.TryAcquireLeaseAsync(destination.Name, holder, LeaseTime, ct);
                            }
                        }

                        await FlushAsync(batch, writer, snapshot, summary, ct);
                    }
                }

                summary.Output = writer.Output;
            }
            catch (DestinationUnavailableException ex)
            {
                summary.Error = ex.Message;
                logger.LogError("Sync {RunId} of {Destination} stopped: the destination is unavailable", run.Id, destination.Name);
            }

            summary.Elapsed = stopwatch.Elapsed;
            run.FinishedAt = clock.GetUtcNow();
            run.Considered = summary.Considered;
            run.Unchanged = summary.Unchanged;
            run.Created = summary.Created;
            run.Updated = summary.Updated;
            run.Failed = summary.Failed;
            run.Blocked = summary.Blocked;
            run.Error = summary.Error;
            run.Outcome = summary.Error is not null ? SyncOutcome.Failed
                : summary.Failed + summary.Blocked > 0 ? SyncOutcome.PartlySucceeded
                : SyncOutcome.Succeeded;
            await db.SaveChangesAsync(CancellationToken.None);
            logger.LogInformation(
                "Sync {RunId} of {Destination} finished {Outcome}: {Considered} considered, {Created} created, {Updated} updated, {Unchanged} unchanged, {Failed} failed ({Invalid} invalid, not sent), {Blocked} blocked in {ElapsedMs:0} ms",
                run.Id, destination.Name, run.Outcome, summary.Considered, summary.Created, summary.Updated, summary.Unchanged, summary.Failed, summary.Invalid, summary.Blocked, summary.Elapsed.TotalMilliseconds);
            return summary;
        }
        catch (Exception ex)
        {
            await RecordStoppedAsync(run, summary, ex);
            throw;
        }
    }

    /// <summary>
    /// Whatever stopped the run after its row was written (a file destination that cannot write, the database, a bug,
    /// cancellation), the row says Failed with the reason on one line (no stack trace; that goes to the log), never
    /// Running, which only the next sync of the destination would correct. CancellationToken.None: this bookkeeping
    /// must happen even when the run was cancelled; a fresh context, since the run's own may be what failed.
    /// </summary>
    private async Task RecordStoppedAsync(SyncRun run, SyncRunSummary summary, Exception stop)
    {
        var reason = stop.Message.ReplaceLineEndings(" ");
        reason = reason.Length > 1000 ? reason[..1000] : reason;
        if (stop is DestinationWriteException)
        {
            // An operational fault (disk full, permissions) that its message says in full: no stack trace on the console.
            logger.LogError("Sync {RunId} of {Destination} stopped: {Reason}", run.Id, run.Destination, reason);
        }
        else
        {
            logger.LogError(stop, "Sync {RunId} of {Destination} stopped: {Reason}", run.Id, run.Destination, reason);
        }

        try
        {
            var now = clock.GetUtcNow();
            await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
            await db.SyncRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Outcome, SyncOutcome.Failed)
                    .SetProperty(r => r.FinishedAt, now)
                    .SetProperty(r => r.Error, reason)
                    .SetProperty(r => r.Considered, summary.Considered)
                    .SetProperty(r => r.Unchanged, summary.Unchanged)
                    .SetProperty(r => r.Created, summary.Created)
                    .SetProperty(r => r.Updated, summary.Updated)
                    .SetProperty(r => r.Failed, summary.Failed)
                    .SetProperty(r => r.Blocked, summary.Blocked),
                CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The database itself is gone: the next sync of the destination marks this run failed.
            logger.LogError(ex, "Sync {RunId} of {Destination}: could not record that it stopped", run.Id, run.Destination);
        }
    }

    private async Task FlushAsync(List<ChangeSetItem> batch, IDestinationWriter writer, LedgerSnapshot snapshot, SyncRunSummary summary, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return;
        }

        await SetAsideInvalidAsync(batch, snapshot, summary, ct);
        if (batch.Count == 0)
        {
            return;
        }

        var results = await writer.SendAsync(batch, ct);
        await ledger.RecordAsync(snapshot, batch, results, ct);
        foreach (var r in results)
        {
            if (!r.Accepted)
            {
                summary.Failed++;
            }
            else if (r.Created)
            {
                summary.Created++;
            }
            else
            {
                summary.Updated++;
            }
        }

        batch.Clear();
    }

    /// <summary>
    /// Validates the batch and takes the invalid resources out of it. They
    /// are written to the ledger as failed with the validator's issues, errors first, so that dead-letters list and
    /// show name the element and the rule; a later sync validates them again, so a fixed mapping sends them.
    /// </summary>
    private async Task SetAsideInvalidAsync(List<ChangeSetItem> batch, LedgerSnapshot snapshot, SyncRunSummary summary, CancellationToken ct)
    {
        var reports = batch.Select(i => validator.Validate(i.Mapped.Resource, i.Hash)).ToList();
        var invalid = batch.Zip(reports).Where(x => !x.Second.IsValid).ToList();
        if (invalid.Count == 0)
        {
            return;
        }

        var items = invalid.Select(x => x.First).ToList();
        var results = invalid.Select(x => DeliveryResult.Rejected(x.First.Mapped.Key, InvalidOutcome(x.Second))).ToList();
        await ledger.RecordAsync(snapshot, items, results, ct);
        batch.RemoveAll(items.Contains);
        summary.Invalid += items.Count;
        summary.Failed += items.Count;
        logger.LogWarning("{Count} resources failed validation and were not sent (first: {Type}/{BusinessId})", items.Count, items[0].Mapped.Key.ResourceType, items[0].Mapped.Key.BusinessId);
    }

    private static string InvalidOutcome(ValidationReport report)
    {
        var outcome = new Hl7.Fhir.Model.OperationOutcome();
        outcome.Issue.AddRange(report.Errors);
        outcome.Issue.AddRange(report.Outcome.Issue.Except(report.Errors));
        outcome.Issue.Add(new Hl7.Fhir.Model.OperationOutcome.IssueComponent
        {
            Severity = Hl7.Fhir.Model.OperationOutcome.IssueSeverity.Information,
            Code = Hl7.Fhir.Model.OperationOutcome.IssueType.Informational,
            Diagnostics = "MndFhir validated this resource against FHIR R4 and its profiles before sending and did not send it.",
        });
        return Serialization.FhirJson.Serialize(outcome);
    }
}
