using Microsoft.EntityFrameworkCore;

namespace MndFhir.Data.Tests;

/// <summary>Each provider's migrations describe the current model: a model change without a migration fails here.</summary>
public sealed class MigrationTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.SqlServer)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public void The_migrations_match_the_model(DatabaseProvider provider)
    {
        using DbContext context = provider switch
        {
            DatabaseProvider.Sqlite => new SqliteMndFhirDbContext(new DbContextOptionsBuilder<SqliteMndFhirDbContext>().UseSqlite("Data Source=unused.db").Options),
            DatabaseProvider.SqlServer => new SqlServerMndFhirDbContext(new DbContextOptionsBuilder<SqlServerMndFhirDbContext>().UseSqlServer("Server=unused;Database=unused").Options),
            _ => new PostgreSqlMndFhirDbContext(new DbContextOptionsBuilder<PostgreSqlMndFhirDbContext>().UseNpgsql("Host=unused;Database=unused").Options),
        };

        Assert.NotEmpty(context.Database.GetMigrations());
        Assert.False(context.Database.HasPendingModelChanges(), $"{provider}: the model changed; run dotnet run --project src/MndFhir.Data.Design -- <Name>");
    }
}
