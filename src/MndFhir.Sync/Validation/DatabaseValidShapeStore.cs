using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.Validation.FastPath;

namespace MndFhir.Sync.Validation;

/// <summary>
/// The valid shapes in the application database, shared by every process and instance. Read whole on first use (a few
/// hundred keys), written as new ones are found; a key two processes add at once is simply there.
/// </summary>
public sealed class DatabaseValidShapeStore(IDbContextFactory<MndFhirDbContext> contexts, TimeProvider clock) : IValidShapeStore
{
    private readonly Lazy<HashSet<string>> _known = new(() =>
    {
        using var db = contexts.CreateDbContext();
        return db.ValidShapes.AsNoTracking().Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
    });

    private readonly Lock _lock = new();

    public bool Contains(string key)
    {
        lock (_lock)
        {
            return _known.Value.Contains(key);
        }
    }

    public void Add(string key)
    {
        lock (_lock)
        {
            if (!_known.Value.Add(key))
            {
                return;
            }
        }

        try
        {
            using var db = contexts.CreateDbContext();
            db.ValidShapes.Add(new ValidShape { Key = key, FirstSeenAt = clock.GetUtcNow() });
            db.SaveChanges();
        }
        catch (DbUpdateException)
        {
            // Another process remembered it first.
        }
    }
}
