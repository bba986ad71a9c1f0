using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace MndFhir.Data;

/// <summary>
/// Brings the database to the current schema at start-up (the provider's own migrations). It never adds MndFhir's tables
/// to a database that holds another application's (a SQLite file with other tables, a migration history without one of
/// MndFhir's migrations), and a command that only reads creates no database where there is none.
/// </summary>
public sealed class DatabaseMigrator(IDbContextFactory<MndFhirDbContext> contexts, DatabaseOptions options)
{
    private const string Key = "Database:ConnectionString";

    /// <summary>Creates the database (a SQLite file and its folder, or a server's database) when there is none, and migrates it.</summary>
    public Task MigrateAsync(CancellationToken ct) => MigrateAsync(createIfMissing: true, ct);

    /// <param name="createIfMissing">
    /// False for a command that only reads (status, runs, the listings): a database that does not exist, or holds no
    /// MndFhir schema yet, is an <see cref="UnusableDatabaseException"/> and nothing is created. An MndFhir database of an
    /// older version is migrated either way.
    /// </param>
    public async Task MigrateAsync(bool createIfMissing, CancellationToken ct)
    {
        var file = SqliteFile();
        if (file is not null && !File.Exists(file))
        {
            if (!createIfMissing)
            {
                throw new UnusableDatabaseException(
                    $"{Key}: there is no MndFhir database at {file} yet (nothing was imported or synced with this configuration; " +
                    "'mndfhir import' or 'mndfhir run' creates it, this command only reads). Check the path if there should be one.");
            }

            if (Path.GetDirectoryName(file) is { } folder)
            {
                Directory.CreateDirectory(folder);
            }
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!createIfMissing && options.Provider != DatabaseProvider.Sqlite && !await db.GetService<IRelationalDatabaseCreator>().ExistsAsync(ct))
        {
            throw new UnusableDatabaseException(
                $"{Key}: the database {Describe(db)} does not exist (nothing was imported or synced with this configuration; 'mndfhir import' or 'mndfhir run' creates it, this command only reads).");
        }

        // Reading the migration history needs no lock; migrating does (EF Core takes a database-wide migration lock,
        // which on SQLite waits for any writer, such as an import's transaction). Most commands find nothing to do.
        var applied = (await db.Database.GetAppliedMigrationsAsync(ct)).ToList();
        var known = db.Database.GetMigrations().ToList();
        if (applied.Count > 0 && !applied.Intersect(known, StringComparer.Ordinal).Any())
        {
            throw new UnusableDatabaseException(
                $"{Key}: {Describe(db)} is not an MndFhir database (its migration history is another application's); MndFhir adds nothing to it: give MndFhir a database of its own.");
        }

        if (applied.Count == 0)
        {
            if (options.Provider == DatabaseProvider.Sqlite && await OtherTablesAsync(db, ct) is { Count: > 0 } tables)
            {
                // Refused even when the file is new: MndFhir cannot tell a scratch file from another application's live
                // database, and adding its tables to one changes what that application backs up and migrates.
                throw new UnusableDatabaseException($"{Key}: {Describe(db)} is not an MndFhir database: it holds another application's tables ({Names(tables)}) and no MndFhir schema, and MndFhir adds nothing to it. {Advice(tables)}");
            }

            if (!createIfMissing)
            {
                throw new UnusableDatabaseException(
                    $"{Key}: {Describe(db)} holds no MndFhir database yet (nothing was imported or synced with this configuration; 'mndfhir import' or 'mndfhir run' creates it, this command only reads).");
            }
        }

        if (!known.Except(applied, StringComparer.Ordinal).Any())
        {
            return;
        }

        await db.Database.MigrateAsync(ct);
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            // WAL lets the service read status while a sync writes; it is a property of the file, set once.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }
    }

    /// <summary>The full path of the SQLite database file; null for another provider or a database in memory or temporary.</summary>
    private string? SqliteFile()
    {
        if (options.Provider != DatabaseProvider.Sqlite)
        {
            return null;
        }

        var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
        return builder.Mode == SqliteOpenMode.Memory || string.IsNullOrEmpty(builder.DataSource) || builder.DataSource == ":memory:"
            ? null
            : Path.GetFullPath(builder.DataSource);
    }

    /// <summary>The database, for a message: the SQLite file, or the name and server (never the connection string: it may hold a password).</summary>
    private string Describe(MndFhirDbContext db)
    {
        if (SqliteFile() is { } file)
        {
            return file;
        }

        var connection = db.Database.GetDbConnection();
        return $"'{connection.Database}' on {connection.DataSource}";
    }

    /// <summary>Tables that are not SQLite's own nor EF Core's migration bookkeeping, by name.</summary>
    private static async Task<List<string>> OtherTablesAsync(MndFhirDbContext db, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_\\_EFMigrations%' ESCAPE '\\' ORDER BY name";
            var names = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                names.Add(reader.GetString(0));
            }

            return names;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The first few table names (names only: a schema holds no records), so the operator recognises whose file it is.</summary>
    private static string Names(List<string> tables) =>
        string.Join(", ", tables.Take(5)) + (tables.Count > 5 ? $" and {tables.Count - 5} more" : string.Empty);

    /// <summary>Exactly what to do: Hangfire's SQLite storage (its Job, State, Server tables) pointed at this file, or any other program's file.</summary>
    private static string Advice(List<string> tables) =>
        new[] { "Job", "State", "Server", "JobQueue" }.All(t => tables.Contains(t, StringComparer.OrdinalIgnoreCase))
            ? $"They are Hangfire's job storage: give Hangfire:ConnectionString a file of its own (its default is mndfhir-hangfire.db next to the configuration); then move this file away (it holds only Hangfire's jobs, which MndFhir can lose) or point {Key} at a new file."
            : $"Point {Key} at a file that does not exist yet (MndFhir creates it); move this file away first only if no other program uses it.";
}
