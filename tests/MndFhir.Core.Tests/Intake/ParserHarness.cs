using MndFhir.Intake;
using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Core.Tests.Intake;

/// <summary>Runs the parser over inline CSV text with the shipped mapping rules.</summary>
internal static class ParserHarness
{
    public static readonly MappingSet Rules = MappingSetLoader.Load(RepositoryPaths.Mappings);

    /// <summary>The day the tests pretend it is: dates after tomorrow are rejected.</summary>
    public static readonly DateOnly Today = new(2026, 11, 26);

    /// <summary>The birth date of every known patient of <see cref="Context"/>.</summary>
    public static readonly ClinicDate BirthDate = ClinicDate.Parse("1950-06-15");

    public static IntakeContext Context(params string[] knownPatients) =>
        new(Rules, Today, id => knownPatients.Contains(id) ? BirthDate : null, id => id.StartsWith("T-", StringComparison.Ordinal));

    /// <summary>A context whose patients are the ones in <paramref name="births"/> (filled as patients.csv is read).</summary>
    public static IntakeContext Context(Dictionary<string, ClinicDate> births, Func<string, bool> treatmentExists) =>
        new(Rules, Today, id => births.TryGetValue(id, out var b) ? b : null, treatmentExists);

    public static async Task<List<ParsedRow<PatientRecord>>> PatientsAsync(string csv, IntakeContext? context = null) =>
        await new ClinicExportParser().ReadPatientsAsync(new StringReader(csv), context ?? Context(), CancellationToken.None).ToListAsync();

    public static async Task<List<ParsedRow<TreatmentRecord>>> TreatmentsAsync(string csv, IntakeContext? context = null) =>
        await new ClinicExportParser().ReadTreatmentsAsync(new StringReader(csv), context ?? Context("P-1"), CancellationToken.None).ToListAsync();

    public static async Task<List<ParsedRow<AssessmentRecord>>> AssessmentsAsync(string csv, IntakeContext? context = null) =>
        await new ClinicExportParser().ReadAssessmentsAsync(new StringReader(csv), context ?? Context("P-1"), CancellationToken.None).ToListAsync();
}
