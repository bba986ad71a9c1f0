using Microsoft.EntityFrameworkCore;

namespace MndFhir.Data;

/// <summary>
/// A per-destination lease in the database, so that one sync of a destination runs at a time across every process
/// and service instance sharing the database. Taking, renewing and releasing are single atomic statements.
/// </summary>
public sealed class DestinationLeaseStore(MndFhirDbContext db, TimeProvider? clock = null)
{
    /// <summary>
    /// The lease an import holds: no destination name can take this form (names are letters, digits, '-' and '_'). An
    /// import and a sync of the same database never run at once: each takes its own lease, then looks for the other's.
    /// </summary>
    public const string ImportLease = "*import";

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>Takes the lease if it is free or expired, or renews it if <paramref name="holder"/> holds it.</summary>
    public async Task<bool> TryAcquireLeaseAsync(string destination, string holder, TimeSpan ttl, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        var expires = now + ttl;
        var taken = await db.DestinationLeases
            .Where(l => l.Destination == destination && (l.Holder == holder || l.ExpiresAt < now))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, holder).SetProperty(l => l.ExpiresAt, expires), ct);
        if (taken == 1)
        {
            return true;
        }

        if (await db.DestinationLeases.AnyAsync(l => l.Destination == destination, ct))
        {
            return false;
        }

        var lease = new DestinationLease { Destination = destination, Holder = holder, ExpiresAt = expires };
        db.DestinationLeases.Add(lease);
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException)
        {
            // Another process inserted the lease between our check and our insert: it holds it.
            db.Entry(lease).State = EntityState.Detached;
            return false;
        }
        finally
        {
            db.Entry(lease).State = EntityState.Detached;
        }
    }

    /// <summary>The current holder of a destination's lease, if any.</summary>
    public async Task<string?> HolderAsync(string destination, CancellationToken ct) =>
        await db.DestinationLeases.AsNoTracking().Where(l => l.Destination == destination).Select(l => l.Holder).FirstOrDefaultAsync(ct);

    /// <summary>Takes the lease from <paramref name="abandonedBy"/> (a holder known to be dead), atomically: only if it still holds it.</summary>
    public async Task<bool> TakeOverAsync(string destination, string abandonedBy, string holder, TimeSpan ttl, CancellationToken ct)
    {
        var expires = _clock.GetUtcNow() + ttl;
        return await db.DestinationLeases
            .Where(l => l.Destination == destination && l.Holder == abandonedBy)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, holder).SetProperty(l => l.ExpiresAt, expires), ct) == 1;
    }

    /// <summary>The leases held now (unexpired, and not held by a process of this machine that no longer runs).</summary>
    public async Task<IReadOnlyList<DestinationLease>> LiveLeasesAsync(CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        var leases = await db.DestinationLeases.AsNoTracking().Where(l => l.ExpiresAt >= now).ToListAsync(ct);
        return leases.Where(l => LeaseHolder.DeadLocalProcess(l.Holder) is null).ToList();
    }

    public async Task ReleaseLeaseAsync(string destination, string holder, CancellationToken ct) =>
        await db.DestinationLeases.Where(l => l.Destination == destination && l.Holder == holder).ExecuteDeleteAsync(ct);
}
