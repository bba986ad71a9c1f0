using MndFhir.Intake;
using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Core.Tests.Intake;

/// <summary>Runs the parser over inline CSV text with the shipped mapping rules.</summary>
internal static class ParserHarness
{
    public static readonly MappingSet Rules = MappingSetLoader.Load(RepositoryPaths.Mappings);

    public static IntakeContext Context(params string[] knownPatients) =>
        new(Rules, knownPatients.Contains, id => id.StartsWith("T-", StringComparison.Ordinal));

    public static async Task<List<ParsedRow<PatientRecord>>> PatientsAsync(string csv, IntakeContext? context = null) =>
        await new ClinicExportParser().ReadPatientsAsync(new StringReader(csv), context ?? Context(), CancellationToken.None).ToListAsync();

    public static async Task<List<ParsedRow<TreatmentRecord>>> TreatmentsAsync(string csv, IntakeContext? context = null) =>
        await new ClinicExportParser().ReadTreatmentsAsync(new StringReader(csv), context ?? Context("P-1"), CancellationToken.None).ToListAsync();

    public static async Task<List<ParsedRow<AssessmentRecord>>> AssessmentsAsync(string csv, IntakeContext? context = null) =>
        await new ClinicExportParser().ReadAssessmentsAsync(new StringReader(csv), context ?? Context("P-1"), CancellationToken.None).ToListAsync();
}
