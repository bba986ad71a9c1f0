using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MndFhir.Data;

namespace MndFhir.Sync.Runs;

/// <summary>
/// A sync's hold on its destination (one sync of a destination at a time, across processes and machines) and on the
/// database (never beside an import, see <c>ImportGate</c>). A lease held by a process of this machine that no longer
/// runs is taken over at once; one held on another machine is trusted until it expires. Renewed as the sync goes on;
/// a renewal that finds the lease taken stops the sync.
/// </summary>
internal sealed class SyncLease : IAsyncDisposable
{
    private static readonly TimeSpan LeaseTime = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a renewal holds before the next one writes again: a tenth of <see cref="LeaseTime"/>, so the lease
    /// never has less than nine tenths of its time left, and a first sync's 165 batches write it once, not 165 times
    /// (each an EF Core update, whose code the runtime then recompiled as hot: BENCHMARKS.md).
    /// </summary>
    private static readonly TimeSpan RenewEvery = LeaseTime / 10;

    private readonly MndFhirDbContext _db;
    private readonly DestinationLeaseStore _leases;
    private readonly string _destination;
    private readonly string _holder;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private DateTimeOffset _renewed;

    private SyncLease(MndFhirDbContext db, DestinationLeaseStore leases, string destination, string holder, TimeProvider clock, ILogger logger)
    {
        _clock = clock;
        _renewed = clock.GetUtcNow();
        _db = db;
        _leases = leases;
        _destination = destination;
        _holder = holder;
        _logger = logger;
    }

    public static async Task<SyncLease> AcquireAsync(IDbContextFactory<MndFhirDbContext> contexts, string destination, TimeProvider clock, ILogger logger, CancellationToken ct)
    {
        var db = await contexts.CreateDbContextAsync(ct);
        try
        {
            var leases = new DestinationLeaseStore(db, clock);

            // Read first (a read never waits, SQLite in WAL mode): taking the lease is a write, which would wait behind a
            // running import's transaction until the database's busy timeout, then fail as a local fault.
            if ((await leases.LiveLeasesAsync(ct)).Any(l => l.Destination == DestinationLeaseStore.ImportLease))
            {
                throw ImportRunning(destination);
            }

            var holder = LeaseHolder.New();
            if (!await leases.TryAcquireLeaseAsync(destination, holder, LeaseTime, ct) && !await TakeOverFromDeadProcessAsync(leases, destination, holder, logger, ct))
            {
                throw new SyncAlreadyRunningException(destination);
            }

            var lease = new SyncLease(db, leases, destination, holder, clock, logger);
            if ((await leases.LiveLeasesAsync(ct)).Any(l => l.Destination == DestinationLeaseStore.ImportLease))
            {
                await lease.DisposeAsync();
                throw ImportRunning(destination);
            }

            return lease;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    private static SyncAlreadyRunningException ImportRunning(string destination) => new(
        $"An import of the clinic export is running; the sync of '{destination}' did not start (try again when the import has finished).",
        innerException: null);

    /// <summary>
    /// Extends the lease when its last renewal is <see cref="RenewEvery"/> old; a lease another process took meanwhile
    /// (this one had expired) stops the sync.
    /// </summary>
    public async Task RenewAsync(CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        if (now - _renewed < RenewEvery)
        {
            return;
        }

        _renewed = now;
        if (!await _leases.TryAcquireLeaseAsync(_destination, _holder, LeaseTime, ct))
        {
            throw new SyncAlreadyRunningException(
                $"The lease of destination '{_destination}' expired and another process took it; this sync stopped (what it confirmed stays recorded).",
                innerException: null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _leases.ReleaseLeaseAsync(_destination, _holder, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Not releasing costs a wait until the lease expires; it must not hide what stopped the sync.
            _logger.LogWarning(ex, "The lease of {Destination} could not be released; it expires by itself", _destination);
        }
        finally
        {
            await _db.DisposeAsync();
        }
    }

    private static async Task<bool> TakeOverFromDeadProcessAsync(DestinationLeaseStore leases, string destination, string holder, ILogger logger, CancellationToken ct)
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
}
