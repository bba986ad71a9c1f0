using MndFhir.Intake;
using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Tests;

/// <summary>
/// The accepted records of an export folder, parsed as intake parses them (no birth dates or treatments to check
/// against: every record stands alone). Shared by the validator tests and the benchmark, which links this file.
/// </summary>
public static class ExportRecords
{
    public static async Task<(List<PatientRecord> Patients, List<TreatmentRecord> Treatments, List<AssessmentRecord> Assessments)> ReadAsync(MappingSet rules, string folder)
    {
        var context = new IntakeContext(rules, DateOnly.FromDateTime(DateTime.UtcNow), _ => ClinicDate.Parse("1900-01-01"), _ => true);
        var parser = new ClinicExportParser();
        async Task<List<T>> Read<T>(string file, Func<TextReader, IAsyncEnumerable<ParsedRow<T>>> read)
            where T : class
        {
            using var reader = new StreamReader(Path.Combine(folder, file));
            return await read(reader).Where(r => r.Record is not null).Select(r => r.Record!).ToListAsync();
        }

        return (
            await Read<PatientRecord>("patients.csv", r => parser.ReadPatientsAsync(r, context, CancellationToken.None)),
            await Read<TreatmentRecord>("treatments.csv", r => parser.ReadTreatmentsAsync(r, context, CancellationToken.None)),
            await Read<AssessmentRecord>("assessments.csv", r => parser.ReadAssessmentsAsync(r, context, CancellationToken.None)));
    }
}
