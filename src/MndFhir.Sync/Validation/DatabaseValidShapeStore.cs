using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MndFhir.Data;
using MndFhir.Validation.FastPath;

namespace MndFhir.Sync.Validation;

/// <summary>
/// The valid shapes in the application database, shared by every process and instance. Read whole on first use (a few
/// hundred keys). A new key counts at once in this process and is written behind, in the background, with the keys
/// found meanwhile in one transaction: the validator never waits for the database (a first sync of the samples used to
/// insert its 319 shapes one transaction each, on the planner's path, each waiting for the ledger's writes to finish,
/// while the destination waited for the planner). Written keys are a cache of the full validator's verdicts: one lost (the process killed before it was
/// written, a write that failed) costs one full validation in a later process, never a wrong verdict. Disposing the
/// store waits for what is still to write.
/// </summary>
public sealed class DatabaseValidShapeStore(IDbContextFactory<MndFhirDbContext> contexts, TimeProvider clock, ILogger<DatabaseValidShapeStore> logger)
    : IValidShapeStore, IDisposable, IAsyncDisposable
{
    private readonly Lazy<HashSet<string>> _known = new(() =>
    {
        using var db = contexts.CreateDbContext();
        return db.ValidShapes.AsNoTracking().Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
    });

    private readonly Lock _lock = new();
    private readonly List<string> _pending = [];
    private Task _writing = Task.CompletedTask;
    private bool _writerRunning;

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

            _pending.Add(key);
            if (!_writerRunning)
            {
                _writerRunning = true;
                _writing = Task.Run(WriteAsync);
            }
        }
    }

    /// <summary>Waits until every key added so far is written (or its write failed).</summary>
    public Task FlushAsync()
    {
        lock (_lock)
        {
            return _writing;
        }
    }

    public async ValueTask DisposeAsync() => await FlushAsync();

    public void Dispose() => FlushAsync().GetAwaiter().GetResult();

    /// <summary>Writes the pending keys, a transaction per round, until none are left.</summary>
    private async Task WriteAsync()
    {
        while (true)
        {
            List<string> keys;
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    _writerRunning = false;
                    return;
                }

                keys = [.. _pending];
                _pending.Clear();
            }

            try
            {
                await InsertAsync(keys);
            }
            catch (Exception ex) when (ex is DbUpdateException or DbException or InvalidOperationException)
            {
                logger.LogWarning("{Count} valid shapes were not remembered in the database ({Reason}); a later process validates them in full again", keys.Count, ex.GetBaseException().Message);
            }
        }
    }

    /// <summary>Inserts the keys not yet in the table; once more, after looking again, when another process wrote some of them first.</summary>
    private async Task InsertAsync(List<string> keys)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync();
            var there = await db.ValidShapes.AsNoTracking().Where(s => keys.Contains(s.Key)).Select(s => s.Key).ToListAsync();
            var now = clock.GetUtcNow();
            db.ValidShapes.AddRange(keys.Except(there, StringComparer.Ordinal).Select(k => new ValidShape { Key = k, FirstSeenAt = now }));
            try
            {
                await db.SaveChangesAsync();
                return;
            }
            catch (DbUpdateException) when (attempt == 1)
            {
                // Another process remembered one of them between the look and the write.
            }
        }
    }
}
