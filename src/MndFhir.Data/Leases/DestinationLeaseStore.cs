using Microsoft.EntityFrameworkCore;

namespace MndFhir.Data;

/// <summary>
/// A per-destination lease in the database, so that one sync of a destination runs at a time across every process
/// and service instance sharing the database. Taking, renewing and releasing are single atomic statements.
/// </summary>
public sealed class DestinationLeaseStore(MndFhirDbContext db, TimeProvider? clock = null)
{
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

    public async Task ReleaseLeaseAsync(string destination, string holder, CancellationToken ct) =>
        await db.DestinationLeases.Where(l => l.Destination == destination && l.Holder == holder).ExecuteDeleteAsync(ct);
}
