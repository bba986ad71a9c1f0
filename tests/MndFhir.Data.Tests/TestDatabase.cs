using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace MndFhir.Data.Tests;

/// <summary>A fresh, migrated database of one provider: a SQLite file, or a new database on the test PostgreSQL.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = PostgresFactAttribute.Variable;

    private readonly ServiceProvider _services;
    private readonly Func<Task> _drop;

    private TestDatabase(ServiceProvider services, Func<Task> drop)
    {
        _services = services;
        _drop = drop;
    }

    public IDbContextFactory<MndFhirDbContext> Contexts => _services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>();

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider)
    {
        DatabaseOptions options;
        Func<Task> drop;
        if (provider == DatabaseProvider.Sqlite)
        {
            var folder = Path.Combine(Path.GetTempPath(), "mndfhir-data-" + Guid.NewGuid().ToString("N")[..12]);
            options = new DatabaseOptions { Provider = provider, ConnectionString = $"Data Source={Path.Combine(folder, "test.db")}" };
            drop = () =>
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(folder, recursive: true);
                return Task.CompletedTask;
            };
        }
        else
        {
            var server = Environment.GetEnvironmentVariable(PostgresVariable)
                ?? throw new InvalidOperationException($"{PostgresVariable} is not set");
            var name = "mndfhir_test_" + Guid.NewGuid().ToString("N")[..12];
            await using (var admin = new NpgsqlConnection(server))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
                await create.ExecuteNonQueryAsync();
            }

            options = new DatabaseOptions { Provider = provider, ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ToString() };
            drop = async () =>
            {
                NpgsqlConnection.ClearAllPools();
                await using var admin = new NpgsqlConnection(server);
                await admin.OpenAsync();
                await using var dropCommand = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
                await dropCommand.ExecuteNonQueryAsync();
            };
        }

        var services = new ServiceCollection().AddMndFhirDatabase(options).BuildServiceProvider();
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        return new TestDatabase(services, drop);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _drop();
    }
}
