using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.Service.Pages;
using MndFhir.Sync;
using MndFhir.Sync.Intake;

namespace MndFhir.IntegrationTests.Service;

/// <summary>
/// What the patient pages count and fit leaves out every withdrawn row: a total retracted (entered-in-error), a total
/// gone from the export, a transplant gone from it, and a patient gone from it (not in the cohort). The page reader
/// over a real SQLite database, without a browser.
/// </summary>
public sealed class TrajectoryWithdrawalTests : IAsyncLifetime
{
    private const string PatientHeader = "patient_id,hospital_mrn,family_name,given_name,sex,birth_date,diagnosis,onset_date,onset_region,diagnosis_date,registry_consent,deceased_date";
    private const string TreatmentHeader = "treatment_id,patient_id,code,status,performed_start,performed_end,cell_type,cell_source,cell_count,body_site,cycle,performer,complication,note";
    private const string AssessmentHeader = "assessment_id,patient_id,code,value,unit,effective,panel_id,body_site,treatment_id,status,note";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-withdrawn-" + Guid.NewGuid().ToString("N")[..12]);
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "export"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Clinic:MappingsPath"] = RepositoryPaths.Mappings,
            ["Database:ConnectionString"] = "Data Source=" + Path.Combine(_folder, "test.db"),
            ["Destinations:0:Name"] = "files",
            ["Destinations:0:Kind"] = "NdjsonFolder",
            ["Destinations:0:Folder"] = Path.Combine(_folder, "out"),
        }).Build();
        _services = new ServiceCollection().AddLogging().AddMndFhirSync(configuration, _folder).AddTransient<TrajectoryReader>().BuildServiceProvider();
        await _services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Retracted_and_removed_totals_and_sessions_are_not_counted_nor_fitted_and_a_removed_patient_is_not_in_the_cohort()
    {
        string[] kept =
        [
            "A-1,P-1,ALSFRSR_TOTAL,40,,2023-07-01,,,,,", "A-2,P-1,ALSFRSR_TOTAL,37,,2023-10-01,,,,,",
            "A-3,P-1,ALSFRSR_TOTAL,36,,2024-02-01,,,,,", "A-4,P-1,ALSFRSR_TOTAL,35,,2024-05-01,,,,,",
        ];
        string[] otherPatient = ["B-1,P-2,ALSFRSR_TOTAL,44,,2023-07-01,,,,,", "B-2,P-2,ALSFRSR_TOTAL,43,,2023-10-01,,,,,", "B-3,P-2,ALSFRSR_TOTAL,42,,2024-02-01,,,,,", "B-4,P-2,ALSFRSR_TOTAL,41,,2024-05-01,,,,,"];
        await WriteAsync("patients.csv", PatientHeader, "P-1,,Doe,Jane,female,1960-02-03,ALS,2022-05,spinal,2023-01-10,yes,", "P-2,,Roe,John,male,1955-01-01,ALS,2022-01,bulbar,2022-06-01,yes,");
        await WriteAsync("treatments.csv", TreatmentHeader,
            "T-0,P-1,SC_INTRATHECAL,,2023-08-01,,BM-MNC,autologous,1.2e8,lumbar,1/4,S-1,,",
            "T-1,P-1,SC_INTRATHECAL,,2024-01-10,,BM-MNC,autologous,1.2e8,lumbar,2/4,S-1,,",
            "T-2,P-2,SC_INTRATHECAL,,2024-01-10,,BM-MNC,autologous,1.2e8,lumbar,1/4,S-1,,");
        await WriteAsync("assessments.csv", AssessmentHeader, [.. kept, "W-1,P-1,ALSFRSR_TOTAL,2,,2023-12-01,,,,,", "W-2,P-1,ALSFRSR_TOTAL,47,,2024-03-01,,,,,", .. otherPatient]);
        await ImportAsync();

        // W-1 retracted, W-2 and T-0 (an earlier transplant entered by mistake) gone, P-2 gone with all its rows.
        await WriteAsync("patients.csv", PatientHeader, "P-1,,Doe,Jane,female,1960-02-03,ALS,2022-05,spinal,2023-01-10,yes,");
        await WriteAsync("treatments.csv", TreatmentHeader, "T-1,P-1,SC_INTRATHECAL,,2024-01-10,,BM-MNC,autologous,1.2e8,lumbar,2/4,S-1,,");
        await WriteAsync("assessments.csv", AssessmentHeader, [.. kept, "W-1,P-1,ALSFRSR_TOTAL,,,,,,,entered-in-error,"]);
        await ImportAsync();

        var reader = _services.GetRequiredService<TrajectoryReader>();
        var patient = (await reader.ReadAsync("P-1", CancellationToken.None))!;
        var totals = patient.Series(MeasureChart.AlsfrsTotal).ToList();
        Assert.Equal(["A-1", "A-2", "A-3", "A-4"], totals.Where(p => p.Counts).Select(p => p.RecordId));
        Assert.All(totals.Where(p => p.RecordId.StartsWith("W-", StringComparison.Ordinal)), p => Assert.True(p.Retracted));
        Assert.Equal("2024-01-10", patient.FirstTransplant?.Date);
        var around = ProgressionSlope.AroundFirstTransplant(patient);
        Assert.Equal(ProgressionSlope.Of(totals.Where(p => p.RecordId is "A-1" or "A-2")), around.Before);
        Assert.Equal(ProgressionSlope.Of(totals.Where(p => p.RecordId is "A-3" or "A-4")), around.After);

        var html = PatientPage.Patient(patient);
        Assert.Matches(@"ALSFRS-R total: 40 \{score\} \(2023-07-01\) to 35 \{score\} \(2024-05-01\), 4 values", html);

        var cohort = (await reader.CohortAsync(CancellationToken.None)).Select(CohortSlope.Of).ToList();
        Assert.Equal(["P-1"], cohort.Select(c => c.PatientId));
        Assert.Equal((2, 2), (cohort[0].TotalsBefore, cohort[0].TotalsAfter));
    }

    private async Task WriteAsync(string file, string header, params string[] rows) =>
        await File.WriteAllTextAsync(Path.Combine(_folder, "export", file), header + "\n" + string.Concat(rows.Select(r => r + "\n")), new UTF8Encoding(false));

    private async Task ImportAsync() =>
        await _services.GetRequiredService<ClinicImporter>().ImportAsync(Path.Combine(_folder, "export"), new ImportOptions { AllowRemovals = true }, CancellationToken.None);
}
