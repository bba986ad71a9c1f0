using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;

namespace MndFhir.Sync.Tests.Intake;

/// <summary>The real services over a SQLite file, an export folder the test writes, and one NDJSON destination.</summary>
internal sealed class ImportHarness : IAsyncDisposable
{
    public const string PatientHeader = "patient_id,hospital_mrn,family_name,given_name,sex,birth_date,diagnosis,onset_date,onset_region,diagnosis_date,registry_consent,deceased_date";
    public const string TreatmentHeader = "treatment_id,patient_id,code,status,performed_start,performed_end,cell_type,cell_source,cell_count,body_site,cycle,performer,complication,note";
    public const string AssessmentHeader = "assessment_id,patient_id,code,value,unit,effective,panel_id,body_site,treatment_id,status,note";

    private ImportHarness(string folder, ServiceProvider services)
    {
        Folder = folder;
        Services = services;
    }

    public string Folder { get; }

    public string Export => Path.Combine(Folder, "export");

    public ServiceProvider Services { get; }

    public static async Task<ImportHarness> StartAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mndfhir-import-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.Combine(folder, "export"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Clinic:MappingsPath"] = RepositoryPaths.Mappings,
            ["Database:ConnectionString"] = "Data Source=" + Path.Combine(folder, "test.db"),
            ["Destinations:0:Name"] = "files",
            ["Destinations:0:Kind"] = "NdjsonFolder",
            ["Destinations:0:Folder"] = Path.Combine(folder, "out"),
        }).Build();
        var services = new ServiceCollection().AddLogging().AddMndFhirSync(configuration, folder).BuildServiceProvider();
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        return new ImportHarness(folder, services);
    }

    public async Task WriteAsync(string file, string header, params string[] rows) =>
        await File.WriteAllTextAsync(Path.Combine(Export, file), header + "\n" + string.Concat(rows.Select(r => r + "\n")), new UTF8Encoding(false));

    public async Task WriteBytesAsync(string file, byte[] content) => await File.WriteAllBytesAsync(Path.Combine(Export, file), content);

    public Task<ImportSummary> ImportAsync(bool allowRemovals = false, CancellationToken ct = default) =>
        Services.GetRequiredService<ClinicImporter>().ImportAsync(Export, new ImportOptions { AllowRemovals = allowRemovals }, ct);

    public Task<SyncRunSummary> SyncAsync() => Services.GetRequiredService<SyncRunner>().RunAsync("files", "test", CancellationToken.None);

    public async Task<MndFhirDbContext> DbAsync() => await Services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync();

    /// <summary>Every stored record as id, content hash and removal: what an import may change, and nothing else.</summary>
    public async Task<List<string>> RecordsAsync()
    {
        await using var db = await DbAsync();
        var patients = await db.Patients.AsNoTracking().Select(p => new { Id = "P " + p.PatientId, p.ContentHash, p.RemovedFromExportAt }).ToListAsync();
        var treatments = await db.Treatments.AsNoTracking().Select(t => new { Id = "T " + t.TreatmentId, t.ContentHash, t.RemovedFromExportAt }).ToListAsync();
        var assessments = await db.Assessments.AsNoTracking().Select(a => new { Id = "A " + a.AssessmentId, a.ContentHash, a.RemovedFromExportAt }).ToListAsync();
        return [.. patients.Concat(treatments).Concat(assessments).Select(r => $"{r.Id} {r.ContentHash} {(r.RemovedFromExportAt is null ? "kept" : "removed")}").Order(StringComparer.Ordinal)];
    }

    public async Task<List<QuarantinedRow>> OpenQuarantineAsync()
    {
        await using var db = await DbAsync();
        return await db.Quarantine.AsNoTracking().Where(q => q.ResolvedAt == null).OrderBy(q => q.Id).ToListAsync();
    }

    /// <summary>Every line of every NDJSON file written to the destination so far.</summary>
    public List<string> Written() =>
        Directory.Exists(Path.Combine(Folder, "out"))
            ? Directory.GetFiles(Path.Combine(Folder, "out"), "*.ndjson", SearchOption.AllDirectories).Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines).ToList()
            : [];

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
