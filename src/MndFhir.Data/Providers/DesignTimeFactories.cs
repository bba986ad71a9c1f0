using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace MndFhir.Data;

// Used by the migration scaffolder (src/MndFhir.Data.Design); no database is opened to scaffold.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteMndFhirDbContext>
{
    public SqliteMndFhirDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteMndFhirDbContext>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerMndFhirDbContext>
{
    public SqlServerMndFhirDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerMndFhirDbContext>().UseSqlServer("Server=design;Database=MndFhir").Options);
}

internal sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlMndFhirDbContext>
{
    public PostgreSqlMndFhirDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlMndFhirDbContext>().UseNpgsql("Host=design;Database=mndfhir").Options);
}
