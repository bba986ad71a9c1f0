using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace MndFhir.Data;

/// <summary>Brings the database to the current schema at start-up (the provider's own migrations).</summary>
public sealed class DatabaseMigrator(IDbContextFactory<MndFhirDbContext> contexts, DatabaseOptions options)
{
    public async Task MigrateAsync(CancellationToken ct)
    {
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            var file = new SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
            if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } folder)
            {
                Directory.CreateDirectory(folder);
            }
        }

        await using var db = await contexts.CreateDbContextAsync(ct);

        // Reading the migration history needs no lock; migrating does (EF Core takes a database-wide migration lock,
        // which on SQLite waits for any writer, such as an import's transaction). Most commands find nothing to do.
        if (!(await db.Database.GetPendingMigrationsAsync(ct)).Any())
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
}
