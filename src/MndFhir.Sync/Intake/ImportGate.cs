using Microsoft.EntityFrameworkCore;
using MndFhir.Data;

namespace MndFhir.Sync.Intake;

/// <summary>
/// Keeps an import alone on the database, across processes: it takes the import lease, then checks that no sync holds a
/// destination's lease (a sync does the same the other way round, so at most one of the two goes on). SQLite allows one
/// writer at a time, so a sync waiting behind a long import transaction would only time out; a sync that finds the
/// import lease says so at once instead. The lease is long (an import holds one transaction and cannot renew from
/// another connection while it writes); a holder on this machine that died is recognised at once.
/// </summary>
internal sealed class ImportGate : IAsyncDisposable
{
    private static readonly TimeSpan LeaseTime = TimeSpan.FromHours(2);

    private readonly MndFhirDbContext _db;
    private readonly string _holder;

    private ImportGate(MndFhirDbContext db, string holder)
    {
        _db = db;
        _holder = holder;
    }

    public static async Task<ImportGate> EnterAsync(IDbContextFactory<MndFhirDbContext> contexts, TimeProvider clock, CancellationToken ct)
    {
        var db = await contexts.CreateDbContextAsync(ct);
        try
        {
            var leases = new DestinationLeaseStore(db, clock);

            // Read first (a read never waits, SQLite in WAL mode): taking the lease is a write, which would wait behind a
            // running import's transaction until the database's busy timeout, then fail as a local fault.
            await ThrowIfBusyAsync(leases, ct);
            var holder = LeaseHolder.New();
            if (!await leases.TryAcquireLeaseAsync(DestinationLeaseStore.ImportLease, holder, LeaseTime, ct))
            {
                var current = await leases.HolderAsync(DestinationLeaseStore.ImportLease, ct);
                if (LeaseHolder.DeadLocalProcess(current) is null
                    || !await leases.TakeOverAsync(DestinationLeaseStore.ImportLease, current!, holder, LeaseTime, ct))
                {
                    throw new ImportBusyException("Another import of the clinic export is running; try again when it has finished.");
                }
            }

            try
            {
                await ThrowIfBusyAsync(leases, ct, holder);
            }
            catch (ImportBusyException)
            {
                await leases.ReleaseLeaseAsync(DestinationLeaseStore.ImportLease, holder, CancellationToken.None);
                throw;
            }

            return new ImportGate(db, holder);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    /// <summary>Throws when another import holds the import lease, or a sync holds a destination's (<paramref name="holder"/>: this import's own lease).</summary>
    private static async Task ThrowIfBusyAsync(DestinationLeaseStore leases, CancellationToken ct, string? holder = null)
    {
        var live = await leases.LiveLeasesAsync(ct);
        if (live.Any(l => l.Destination == DestinationLeaseStore.ImportLease && l.Holder != holder))
        {
            throw new ImportBusyException("Another import of the clinic export is running; try again when it has finished.");
        }

        var syncing = live.Where(l => l.Destination != DestinationLeaseStore.ImportLease).Select(l => l.Destination).ToList();
        if (syncing.Count > 0)
        {
            throw new ImportBusyException($"A sync of {string.Join(", ", syncing)} is running; import when it has finished (an import never runs beside a sync).");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await new DestinationLeaseStore(_db).ReleaseLeaseAsync(DestinationLeaseStore.ImportLease, _holder, CancellationToken.None);
        }
        finally
        {
            await _db.DisposeAsync();
        }
    }
}
