using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace MndFhir.Data;

/// <summary>SQLite: DateTimeOffset is stored as a sortable integer, since SQLite cannot compare or order it as text.</summary>
public sealed class SqliteMndFhirDbContext(DbContextOptions<SqliteMndFhirDbContext> options) : MndFhirDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}
