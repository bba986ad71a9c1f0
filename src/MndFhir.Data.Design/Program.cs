// Scaffolds a migration for each database provider into src/MndFhir.Data/Migrations/<Provider>/:
//   dotnet run --project src/MndFhir.Data.Design -- <MigrationName>
// (the dotnet-ef tool is not needed; EF Core's design-time services do the same work).
#pragma warning disable EF1001 // DesignTimeServicesBuilder and OperationReporter are EF's design-time entry points.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Design.Internal;
using Microsoft.EntityFrameworkCore.Migrations.Design;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: dotnet run --project src/MndFhir.Data.Design -- <MigrationName>");
    return 2;
}

var projectDir = FindDataProject();
var assembly = typeof(MndFhirDbContext).Assembly;
var reporter = new OperationReporter(null);
foreach (var provider in Enum.GetValues<DatabaseProvider>())
{
    using DbContext context = provider switch
    {
        DatabaseProvider.Sqlite => new SqliteMndFhirDbContext(new DbContextOptionsBuilder<SqliteMndFhirDbContext>().UseSqlite("Data Source=design.db").Options),
        DatabaseProvider.SqlServer => new SqlServerMndFhirDbContext(new DbContextOptionsBuilder<SqlServerMndFhirDbContext>().UseSqlServer("Server=design;Database=MndFhir").Options),
        _ => new PostgreSqlMndFhirDbContext(new DbContextOptionsBuilder<PostgreSqlMndFhirDbContext>().UseNpgsql("Host=design;Database=mndfhir").Options),
    };
    var services = new DesignTimeServicesBuilder(assembly, assembly, reporter, []).Build(context);
    var scaffolder = services.GetRequiredService<IMigrationsScaffolder>();
    var migration = scaffolder.ScaffoldMigration(args[0], "MndFhir.Data", $"Migrations.{provider}", "C#", false);
    var files = scaffolder.Save(projectDir, migration, Path.Combine(projectDir, "Migrations", provider.ToString()));
    Console.WriteLine($"{provider}: {Path.GetRelativePath(projectDir, files.MigrationFile!)}");
}

return 0;

static string FindDataProject()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "src", "MndFhir.Data");
        if (File.Exists(Path.Combine(candidate, "MndFhir.Data.csproj")))
        {
            return candidate;
        }
    }

    throw new InvalidOperationException("Run it from inside the MndFhir repository.");
}
