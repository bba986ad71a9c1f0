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
/// while the destination waited for the planner). Keys found within <see cref="GatherFor"/> of each other are written
/// together: a first sync of the samples finds 207 shapes in a few seconds and wrote them in 125 rounds, each an EF Core
/// context, query and SaveChanges, enough for the runtime to recompile EF Core's code as hot (BENCHMARKS.md). Written
/// keys are a cache of the full validator's verdicts: one lost (the process killed before it was written, a write that
/// failed) costs one full validation in a later process, never a wrong verdict. Disposing the store (or
/// <see cref="FlushAsync"/>) writes what is pending at once and waits for it.
/// </summary>
public sealed class DatabaseValidShapeStore(IDbContextFactory<MndFhirDbContext> contexts, TimeProvider clock, ILogger<DatabaseValidShapeStore> logger)
    : IValidShapeStore, IDisposable, IAsyncDisposable
{
    private readonly Lazy<HashSet<string>> _known = new(() =>
    {
        using var db = contexts.CreateDbContext();
        return db.ValidShapes.AsNoTracking().Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
    });

    /// <summary>How long the writer gathers keys before it writes them, unless asked to flush.</summary>
    public static readonly TimeSpan GatherFor = TimeSpan.FromMilliseconds(500);

    /// <summary>Completed by the first flush: from then on the writer writes without gathering.</summary>
    private readonly TaskCompletionSource _flushing = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
        _flushing.TrySetResult();
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
            await Task.WhenAny(Task.Delay(GatherFor, clock), _flushing.Task);
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

    /// <summary>
    /// Inserts the keys (none of them were in the table when it was read); when another process wrote some of them
    /// since, once more without those.
    /// </summary>
    private async Task InsertAsync(List<string> keys)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync();
            var there = attempt == 1 ? [] : await db.ValidShapes.AsNoTracking().Where(s => keys.Contains(s.Key)).Select(s => s.Key).ToListAsync();
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
