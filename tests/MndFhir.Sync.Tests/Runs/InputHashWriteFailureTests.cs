using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MndFhir.Data;
using MndFhir.Sync.Progress;
using MndFhir.Sync.Runs;

namespace MndFhir.Sync.Tests.Runs;

/// <summary>
/// The input hashes a sync relearns are a cache (decision 0018): a database that cannot take them (busy beyond its
/// timeout) costs a warning, never the sync. The failure is real: a second connection holds the SQLite file's write lock
/// while the sync records them, and lets it go once the sync has said it could not.
/// </summary>
public sealed class InputHashWriteFailureTests : SampleLedgerTests, IDisposable
{
    private readonly WriteLock _lock = new();
    private readonly List<(EventId Id, LogLevel Level, string Message, object? Count)> _events = [];

    public void Dispose() => _lock.Dispose();

    protected override void Configure(IServiceCollection services, Dictionary<string, string?> settings)
    {
        // A second is how long the sync's connections wait for a lock (30 s by default).
        settings["Database:ConnectionString"] += ";Default Timeout=1";
        _lock.ConnectionString = "Data Source=" + Path.Combine(Folder, "test.db") + ";Pooling=False";
        services.AddLogging(b => b.AddProvider(new Recording(this)));
        services.AddSingleton<IRunProgress>(new LockingProgress(_lock));
    }

    [Fact]
    public async Task A_database_too_busy_to_record_the_relearned_input_hashes_costs_a_warning_and_the_sync_still_delivers_and_succeeds()
    {
        await Runner().RunAsync("files", "test", CancellationToken.None);
        int assessments, beforeObservations;
        string patient;
        await using (var db = await Contexts().CreateDbContextAsync())
        {
            // A ledger whose entries hold no inputs (written before decision 0018, or by another build), and a patient to send.
            await db.Ledger.ExecuteUpdateAsync(u => u.SetProperty(e => e.InputHash, (string?)null));
            patient = await db.Patients.OrderBy(p => p.PatientId).Select(p => p.PatientId).FirstAsync();
            await db.Patients.Where(p => p.PatientId == patient).ExecuteUpdateAsync(u => u.SetProperty(p => p.GivenName, p => p.GivenName + "a"));
            assessments = await db.Assessments.CountAsync();
            beforeObservations = await db.Ledger.CountAsync(e => e.ResourceType != "Observation");
        }

        // The lock is taken in the Observations tier (after every earlier tier is recorded), where nothing is sent.
        _lock.TakeAfter = beforeObservations;
        SyncRunSummary sync;
        try
        {
            sync = await Runner().RunAsync("files", "test", CancellationToken.None);
        }
        finally
        {
            _lock.Release();
        }

        Assert.True(_lock.WasTaken);
        Assert.Null(sync.Error);
        Assert.Equal((1, 0, 0), (sync.Updated, sync.Created, sync.Failed));
        var warning = Assert.Single(_events, e => e.Id.Name == "InputHashesNotRecorded");
        Assert.Equal(LogLevel.Warning, warning.Level);
        // The first write of a few thousand failed; the run recorded no more (each try would wait the timeout again).
        Assert.InRange(Assert.IsType<int>(warning.Count), 1, assessments);
        Assert.Contains("(SQLITE 5)", warning.Message); // SQLITE_BUSY

        await using (var db = await Contexts().CreateDbContextAsync())
        {
            var run = await db.SyncRuns.OrderByDescending(r => r.Id).FirstAsync();
            Assert.Equal((SyncOutcome.Succeeded, 1), (run.Outcome, run.Updated));

            // The failed transaction kept nothing; the patient's delivery was recorded.
            Assert.Equal(0, await db.Ledger.CountAsync(e => e.InputHash != null));
            Assert.Equal(1, await db.Ledger.CountAsync(e => e.ResourceType == "Patient" && e.BusinessId == patient && e.Attempts == 0 && e.State == LedgerState.Delivered && e.UpdatedAt > run.StartedAt));
        }

        // The next sync relearns them.
        var next = await Runner().RunAsync("files", "test", CancellationToken.None);
        Assert.Equal((0, 0, 0), (next.Updated, next.Created, next.Failed));
        await using (var db = await Contexts().CreateDbContextAsync())
        {
            Assert.Equal(assessments, await db.Ledger.CountAsync(e => e.InputHash != null));
        }
    }

    /// <summary>A second connection to the test's SQLite file holding its write lock (BEGIN IMMEDIATE).</summary>
    private sealed class WriteLock : IDisposable
    {
        private readonly Lock _gate = new();
        private SqliteConnection? _connection;

        public int? TakeAfter { get; set; }

        public bool WasTaken { get; private set; }

        public string ConnectionString { get; set; } = string.Empty;

        public void Take()
        {
            lock (_gate)
            {
                if (WasTaken)
                {
                    return;
                }

                _connection = new SqliteConnection(ConnectionString);
                _connection.Open();
                using var begin = _connection.CreateCommand();
                begin.CommandText = "BEGIN IMMEDIATE";
                begin.ExecuteNonQuery();
                WasTaken = true;
            }
        }

        public void Release()
        {
            lock (_gate)
            {
                _connection?.Dispose();
                _connection = null;
            }
        }

        public void Dispose() => Release();
    }

    /// <summary>Takes the write lock at the first progress report beyond <see cref="WriteLock.TakeAfter"/> resources.</summary>
    private sealed class LockingProgress(WriteLock writeLock) : IRunProgress
    {
        public void Report(RunProgress progress)
        {
            if (writeLock.TakeAfter is { } after && progress.Done > after && !progress.Finished)
            {
                writeLock.Take();
            }
        }
    }

    /// <summary>Keeps every event; the sync's warning that it could not record the input hashes lets the lock go.</summary>
    private sealed class Recording(InputHashWriteFailureTests test) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(test);

        public void Dispose()
        {
        }

        private sealed class Logger(InputHashWriteFailureTests test) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (test._events)
                {
                    var count = (state as IEnumerable<KeyValuePair<string, object?>>)?.FirstOrDefault(p => p.Key == "InputHashCount").Value;
                    test._events.Add((eventId, logLevel, formatter(state, exception) + (exception is null ? string.Empty : "\n" + exception), count));
                }

                if (eventId.Name == "InputHashesNotRecorded")
                {
                    test._lock.Release();
                }
            }
        }
    }
}
