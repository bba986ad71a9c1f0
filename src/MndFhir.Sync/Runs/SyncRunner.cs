using System.Data.Common;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MndFhir.Data;
using MndFhir.Mapping;
using MndFhir.Planning;
using MndFhir.Serialization;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Ledger;
using MndFhir.Sync.Progress;
using MndFhir.Sync.Pseudonymisation;
using MndFhir.Sync.Records;
using MndFhir.Sync.Status;

namespace MndFhir.Sync.Runs;

/// <summary>
/// One sync of one destination: a thin facade over the destination's lease, the run history and the validation gate.
/// It streams the destination's change set tier by tier, sends it in batches, and records in the ledger exactly what
/// the destination confirmed. Whatever stops it, the run is recorded with its reason and the next run starts again from
/// the ledger, sending only what is missing.
/// </summary>
public sealed class SyncRunner(
    IDbContextFactory<MndFhirDbContext> contexts,
    ResourcePlan plan,
    DeliveryLedger ledger,
    IDestinationWriterFactory writers,
    ValidationGate validation,
    Withdrawals withdrawals,
    DestinationIdentities identities,
    SyncRunRecorder runs,
    IRunProgress progress,
    StatusSnapshots snapshots,
    IOptions<SyncSettings> settings,
    TimeProvider clock,
    ILogger<SyncRunner> logger)
{
    /// <summary>How many relearned input hashes the planner gathers before it records them (<see cref="DeliveryLedger.RememberInputsAsync"/>).</summary>
    private const int RelearnedPerWrite = 4096;

    public async Task<SyncRunSummary> RunAsync(string destinationName, string trigger, CancellationToken ct)
    {
        // Firely's serializer is built on a second core while the lease, the run and the ledger are read.
        _ = FhirJson.WarmUpAsync();
        var destination = settings.Value.Find(destinationName);
        await PrepareValidationAsync(destination, ct);
        await using var lease = await SyncLease.AcquireAsync(contexts, destination.Name, clock, logger, ct);
        var run = await runs.StartAsync(destination.Name, trigger, ct);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = run.Id, ["Destination"] = destination.Name });
        logger.LogInformation("Sync {RunId} of {Destination} started ({Trigger})", run.Id, destination.Name, trigger);
        var summary = new SyncRunSummary { RunId = run.Id, Destination = destination.Name };
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await SyncAsync(destination, run, lease, summary, ct);
        }
        catch (DestinationUnavailableException ex)
        {
            // What it confirmed before stays recorded; the summary says why it stopped (exit code 4).
            summary.Error = ex.Message;
            logger.LogError(SyncLogEvents.SyncStopped, "Sync {RunId} of {Destination} stopped: {Reason}", run.Id, destination.Name, ex.Message);
        }
        catch (Exception ex)
        {
            summary.Elapsed = stopwatch.Elapsed;
            await runs.StoppedAsync(run, summary, ex);
            throw;
        }

        summary.Elapsed = stopwatch.Elapsed;
        await runs.FinishAsync(run, summary);
        if (summary.Error is null)
        {
            // After a whole run, what still waits is what was blocked, and what failed will be tried again: status
            // reads these until something changes.
            await snapshots.WriteAsync(destination, summary.Blocked, summary.Failed, CancellationToken.None);
        }

        return summary;
    }

    private async Task SyncAsync(DestinationOptions destination, SyncRun run, SyncLease lease, SyncRunSummary summary, CancellationToken ct)
    {
        var snapshot = await ledger.LoadAsync(destination.Name, ct);
        var target = identities.TargetFor(destination);
        var resolver = new LedgerReferenceResolver(snapshot, identities.For(destination));
        await using var reader = await contexts.CreateDbContextAsync(ct);
        await using var writer = writers.Create(destination, run.Id, run.StartedAt, await ProvenanceAsync(reader, run, ct));
        await WithdrawAsync(reader, destination, snapshot, writer, summary, ct);
        // Records are read ahead on a second task while this one maps, serializes and hashes them.
        var records = new PrefetchingRecordSource(new DatabaseRecordSource(reader, RecordScope.For(destination)));
        var changes = new ChangeSetBuilder(plan, records, target, snapshot, remember: true);
        var sizes = AdaptiveBatchSize.For(destination);
        writer.ReportAnswerTimes(sizes);
        using var recording = new SemaphoreSlim(1, 1);
        var stage = $"sync {destination.Name}";
        var total = await plan.CountAsync(records, ct);
        foreach (var tier in ResourcePlan.Tiers)
        {
            // A pipeline per tier: the planner maps, hashes and validates the next batches while the sender sends and
            // records this one, so the destination does not wait for validation nor the planner for the destination.
            // A tier's references point only at earlier tiers, which are all recorded before it starts.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var ready = Channel.CreateBounded<List<ChangeSetItem>>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
            var planning = Task.Run(() => PlanAsync(changes, tier, resolver, snapshot, sizes, summary, new RunProgress(stage, 0, total, "resources"), writer, ready.Writer, stop.Token), stop.Token);
            // Up to SendsInFlight batches await the destination at once; each is recorded as soon as it is answered.
            var sending = new List<Task>(destination.SendsInFlight);
            try
            {
                await foreach (var batch in ready.Reader.ReadAllAsync(ct))
                {
                    if (sending.Count >= destination.SendsInFlight)
                    {
                        await OneAnsweredAsync(sending);
                        await lease.RenewAsync(ct);
                    }

                    sending.Add(SendAsync(batch, writer, snapshot, recording, summary, ct));
                }

                // The tier barrier: every batch of this tier is recorded before the next tier plans a reference to it.
                while (sending.Count > 0)
                {
                    await OneAnsweredAsync(sending);
                }

                await lease.RenewAsync(ct);
                summary.Failed += await planning;
            }
            catch
            {
                await stop.CancelAsync();

                // What the destination confirmed of the batches still in flight is recorded before the run stops.
                await Task.WhenAll(sending.Select(t => t.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)));
                try
                {
                    await planning;
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    // The planner stopped because the sender did; the sender's exception is the one that counts.
                }

                throw;
            }
        }

        progress.Report(new RunProgress(stage, summary.Considered, summary.Considered, "resources", Finished: true));
        summary.Output = writer.Output;
    }

    /// <summary>
    /// A first sync of a destination (nothing in its ledger): its shapes are likely new to this process, so the Firely
    /// validators are built while the run takes its lease, records itself and reads the ledger, not in front of its first
    /// batch (e2e: the first request went 0.7 s after the run started; BENCHMARKS.md).
    /// </summary>
    private async Task PrepareValidationAsync(DestinationOptions destination, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.Ledger.AnyAsync(e => e.Destination == destination.Name, ct))
        {
            validation.Prepare();
        }
    }

    /// <summary>The planner's side: judges each planned resource, sets invalid ones aside, hands batches over. Returns how many were invalid.</summary>
    /// <remarks>
    /// Also records, a few thousand at a time, the inputs of unchanged resources the ledger knew by content only
    /// (<see cref="ChangeSetBuilder.TakeRelearned"/>), so the next sync judges them without mapping.
    /// </remarks>
    private async Task<int> PlanAsync(
        ChangeSetBuilder changes, ResourceTier tier, IReferenceResolver resolver, LedgerSnapshot snapshot, AdaptiveBatchSize sizes, SyncRunSummary summary, RunProgress stage,
        IDestinationWriter writer, ChannelWriter<List<ChangeSetItem>> ready, CancellationToken ct)
    {
        var invalid = 0;
        try
        {
            var batch = new List<ChangeSetItem>(sizes.Current);
            await foreach (var item in changes.TierAsync(tier, resolver, ct))
            {
                if (++summary.Considered % 200 == 0)
                {
                    progress.Report(stage with { Done = summary.Considered });
                    if (changes.Relearned >= RelearnedPerWrite)
                    {
                        await RememberInputsAsync(changes, summary, ct);
                    }
                }

                switch (item.Kind)
                {
                    case ChangeKind.Unchanged:
                        summary.Unchanged++;
                        continue;
                    case ChangeKind.Blocked:
                        summary.Blocked++;
                        continue;
                }

                if (batch.Count == 0)
                {
                    // Something to send: the writer gets ready for its first send while this batch is judged.
                    writer.Prepare();
                }

                batch.Add(item);
                if (batch.Count >= sizes.Current)
                {
                    invalid += await HandOverAsync(batch, snapshot, summary, ready, ct);
                    batch = new List<ChangeSetItem>(sizes.Current);
                }
            }

            invalid += await HandOverAsync(batch, snapshot, summary, ready, ct);
            await RememberInputsAsync(changes, summary, ct);
            return invalid;
        }
        finally
        {
            ready.TryComplete();
        }
    }

    /// <summary>
    /// Records the input hashes the planner relearned (<see cref="DeliveryLedger.RememberInputsAsync"/>). They are a cache
    /// (decision 0018): a database that refuses the write (busy beyond its timeout, a lost connection) costs a warning,
    /// not the sync. The write is its own context and transaction, disposed unfinished, so nothing of it is kept and the
    /// sync's other contexts, the ledger snapshot and what was delivered are untouched; the rest of the run records no
    /// more (each try could wait the database's whole timeout again), and the next sync maps these resources once more
    /// and learns them. Stopping on request is not a failure to warn about.
    /// </summary>
    private async Task RememberInputsAsync(ChangeSetBuilder changes, SyncRunSummary summary, CancellationToken ct)
    {
        var relearned = changes.TakeRelearned();
        try
        {
            await ledger.RememberInputsAsync(relearned, ct);
        }
        catch (DbException ex) when (!ct.IsCancellationRequested)
        {
            changes.StopRelearning();
            logger.LogWarning(
                SyncLogEvents.InputHashesNotRecorded,
                "Sync {RunId} of {Destination}: the database did not take {InputHashCount} relearned input hashes ({DatabaseError}); this run records no more, the next sync learns them again",
                summary.RunId,
                summary.Destination,
                relearned.Count,
                DatabaseErrorCode.Of(ex));
        }
    }

    /// <summary>
    /// Before anything is sent: what the destination holds under a retired pseudonym key is deleted; what it holds of
    /// patients whose registry consent was withdrawn is deleted (Retract) or counted for the operator (Report).
    /// </summary>
    private async Task WithdrawAsync(MndFhirDbContext db, DestinationOptions destination, LedgerSnapshot snapshot, IDestinationWriter writer, SyncRunSummary summary, CancellationToken ct)
    {
        var retired = await withdrawals.RetiredPseudonymsAsync(db, destination, snapshot, ct);
        var (deleted, failed) = await withdrawals.DeleteAsync(retired, writer, snapshot, destination.BatchSize, ct);
        summary.Deleted += deleted;
        summary.Failed += failed;

        var withdrawn = await withdrawals.ConsentWithdrawnAsync(db, destination, snapshot, ct);
        if (destination.OnConsentWithdrawn == ConsentWithdrawnPolicy.Report)
        {
            summary.ConsentWithdrawnHeld = withdrawn.Count;
            summary.ConsentWithdrawnPatients = withdrawn.Count(w => w.Key.ResourceType == "Patient");
            return;
        }

        (deleted, failed) = await withdrawals.DeleteAsync(withdrawn, writer, snapshot, destination.BatchSize, ct);
        summary.Deleted += deleted;
        summary.Failed += failed;
    }

    /// <summary>The Provenance of this run's deliveries: the clinic, the adapter, the run, and the export last imported.</summary>
    private async Task<DeliveryProvenance> ProvenanceAsync(MndFhirDbContext db, SyncRun run, CancellationToken ct)
    {
        var import = await db.ImportRuns.AsNoTracking()
            .Where(r => r.Outcome == ImportOutcome.Succeeded || r.Outcome == ImportOutcome.PartlySucceeded)
            .OrderByDescending(r => r.Id)
            .Select(r => new { r.Id, r.Fingerprint })
            .FirstOrDefaultAsync(ct);
        return new DeliveryProvenance(identities.Clinic, plan.Mapper.Rules.Extension(string.Empty).TrimEnd('/'), run.Id, import?.Id, import?.Fingerprint);
    }

    private async Task<int> HandOverAsync(List<ChangeSetItem> batch, LedgerSnapshot snapshot, SyncRunSummary summary, ChannelWriter<List<ChangeSetItem>> ready, CancellationToken ct)
    {
        var invalid = batch.Count == 0 ? 0 : await validation.SetAsideInvalidAsync(batch, snapshot, ct);
        summary.Invalid += invalid;
        if (batch.Count > 0)
        {
            await ready.WriteAsync(batch, ct);
        }

        return invalid;
    }

    /// <summary>Waits for the first of <paramref name="sending"/> to be answered and recorded, and rethrows what stopped it.</summary>
    private static async Task OneAnsweredAsync(List<Task> sending)
    {
        var done = await Task.WhenAny(sending);
        sending.Remove(done);
        await done;
    }

    /// <summary>
    /// Sends one batch and records the destination's answers. Batches in flight together hold different resources of one
    /// tier; their answers are recorded one batch at a time (<paramref name="recording"/>), each in its own transaction.
    /// Once the destination has answered, a stop (Ctrl-C, the service stopping) no longer interrupts the recording: what
    /// it confirmed is in the ledger before the run stops (the database's busy timeout bounds the wait).
    /// </summary>
    private async Task SendAsync(List<ChangeSetItem> batch, IDestinationWriter writer, LedgerSnapshot snapshot, SemaphoreSlim recording, SyncRunSummary summary, CancellationToken ct)
    {
        var results = await writer.SendAsync(batch, ct);
        await recording.WaitAsync(CancellationToken.None);
        try
        {
            await ledger.RecordAsync(snapshot, batch, results, CancellationToken.None);
            summary.Failed += results.Count(r => !r.Accepted);
            summary.Created += results.Count(r => r.Accepted && r.Created);
            summary.Updated += results.Count(r => r.Accepted && !r.Created);
        }
        finally
        {
            recording.Release();
        }
    }
}
