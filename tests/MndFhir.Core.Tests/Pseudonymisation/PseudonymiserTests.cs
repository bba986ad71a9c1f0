using System.Text;
using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Planning;
using MndFhir.Pseudonymisation;
using MndFhir.Records;
using MndFhir.Serialization;
using Task = System.Threading.Tasks.Task;

namespace MndFhir.Core.Tests.Pseudonymisation;

public sealed class PseudonymiserTests
{
    private static readonly MappingSet Rules = MappingSetLoader.Load(RepositoryPaths.Mappings);
    private static readonly ClinicIdentity Clinic = new("https://clinic.test/sid");
    private static readonly ClinicIdentity Registry = new("https://registry.test/sid/clinic-17");
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("a test key of at least thirty-two bytes, not secret");

    [Fact]
    public void A_key_shorter_than_32_bytes_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new Pseudonymiser(new byte[31], Registry, 0));
        Assert.Contains("at least 32 bytes", error.Message, StringComparison.Ordinal);
        _ = new Pseudonymiser(new byte[32], Registry, 0);
    }

    [Fact]
    public void Pseudonyms_are_keyed_hmac_sha256_stable_per_key_and_differ_by_key_and_type()
    {
        var a = new Pseudonymiser(Key, Registry, 0);
        var again = new Pseudonymiser(Key, Registry, 0);
        var other = new Pseudonymiser(Encoding.UTF8.GetBytes("another key of at least thirty-two bytes, not secret"), Registry, 0);
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes("Patient|P-1")))[..32];

        Assert.Equal(expected, a.Pseudonym(new ResourceKey("Patient", "P-1")));
        Assert.Equal(a.Pseudonym(new ResourceKey("Patient", "P-1")), again.Pseudonym(new ResourceKey("Patient", "P-1")));
        Assert.NotEqual(a.Pseudonym(new ResourceKey("Patient", "P-1")), other.Pseudonym(new ResourceKey("Patient", "P-1")));
        Assert.NotEqual(a.Pseudonym(new ResourceKey("Patient", "P-1")), a.Pseudonym(new ResourceKey("Condition", "P-1")));
    }

    [Fact]
    public void Date_offsets_are_per_patient_within_the_bound_never_zero_and_zero_when_dates_are_kept()
    {
        var shifting = new Pseudonymiser(Key, Registry, 30);
        var offsets = Enumerable.Range(1, 500).Select(i => shifting.DateOffsetDays($"P-{i}")).ToList();

        Assert.All(offsets, o => Assert.InRange(Math.Abs(o), 1, 30));
        Assert.True(offsets.Distinct().Count() > 40, "offsets should spread over the range");
        Assert.Equal(shifting.DateOffsetDays("P-7"), new Pseudonymiser(Key, Registry, 30).DateOffsetDays("P-7"));
        Assert.Equal(0, new Pseudonymiser(Key, Registry, 0).DateOffsetDays("P-7"));
    }

    [Theory]
    [InlineData("2024-03-01", 30, "2024-03-31")]
    [InlineData("2024-03-01", -1, "2024-02-29")]
    [InlineData("2025-03-04T09:30:00+08:00", 3, "2025-03-07T09:30:00+08:00")]
    [InlineData("2023-04", 20, "2023-05")]
    [InlineData("2023-04", -14, "2023-04")]
    [InlineData("1956", 30, "1956")]
    public void Dates_move_by_whole_days_and_keep_their_precision(string date, int days, string expected) =>
        Assert.Equal(expected, DateShift.Shift(date, days));

    [Fact]
    public async Task What_a_pseudonymised_registry_receives_has_no_clinic_id_mrn_name_performer_or_free_text_and_dates_keep_their_intervals()
    {
        var pseudonyms = new Pseudonymiser(Key, Registry, 30);
        var offset = pseudonyms.DateOffsetDays("P-1");
        var source = new InMemoryRecordSource(
            [new PatientRecord
            {
                PatientId = "P-1", HospitalMrn = "MRN-4711", FamilyName = "Zebedee", GivenName = "Ada Lou", Sex = Sex.Female,
                BirthDate = ClinicDate.Parse("1960-04-02"), Diagnosis = Diagnosis.ALS, OnsetDate = ClinicDate.Parse("2022-02"),
                DiagnosisDate = ClinicDate.Parse("2022-08-18"), RegistryConsent = true, DeceasedDate = ClinicDate.Parse("2025-01-05"),
            }],
            [new TreatmentRecord
            {
                TreatmentId = "T-1", PatientId = "P-1", Code = "SC_INTRAVENOUS", PerformedStart = ClinicDate.Parse("2024-01-10"),
                CellType = "BM-MNC", CellSource = CellSource.Autologous, Performer = "S-104", Complication = "headache after it", Note = "went well",
            }],
            [new AssessmentRecord
            {
                AssessmentId = "A-1", PatientId = "P-1", Code = "FVC", Value = "3.1", Unit = "L", Effective = ClinicDate.Parse("2024-02-01"),
                TreatmentId = "T-1", Note = "poor mouth seal",
            }]);
        var plan = new ResourcePlan(new FhirMapper(Rules, Clinic));

        var planned = await plan.AllAsync(source, new ConditionalReferenceResolver(Registry), new PlanTarget("https://hospital.test/mrn", pseudonyms), CancellationToken.None).ToListAsync();

        var json = string.Join('\n', planned.Select(p => FhirJson.Serialize(p.Mapped.Resource)));
        foreach (var secret in new[] { "P-1", "T-1", "A-1", "MRN-4711", "Zebedee", "Ada", "1960-04", "S-104", "headache", "went well", "mouth seal", "clinic.test" })
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
        }

        Assert.All(planned, p => Assert.Matches("^[0-9a-f]{32}$", p.Key.BusinessId));
        var patient = (Patient)planned.Single(p => p.Kind == ResourceKind.Patient).Mapped.Resource;
        Assert.Equal("1960", patient.BirthDate);
        Assert.Equal(pseudonyms.Pseudonym(new ResourceKey("Patient", "P-1")), Assert.Single(patient.Identifier).Value);
        Assert.Equal("https://registry.test/sid/clinic-17/patient", patient.Identifier[0].System);
        Assert.Equal(DateShift.Shift("2025-01-05", offset), ((FhirDateTime)patient.Deceased!).Value);

        var procedure = (Procedure)planned.Single(p => p.Kind == ResourceKind.Procedure).Mapped.Resource;
        Assert.Empty(procedure.Performer);
        Assert.Empty(procedure.Complication);
        Assert.Empty(procedure.Note);
        Assert.Equal(DateShift.Shift("2024-01-10", offset), ((FhirDateTime)procedure.Performed!).Value!);
        var patientKey = pseudonyms.Key(new ResourceKey("Patient", "P-1"));
        Assert.Equal(patientKey.BusinessId, procedure.Subject!.Identifier!.Value);

        var observation = (Observation)planned.Single(p => p.Kind == ResourceKind.Observation).Mapped.Resource;
        Assert.Empty(observation.Note);
        Assert.Equal(DateShift.Shift("2024-02-01", offset), ((FhirDateTime)observation.Effective!).Value!);
        Assert.Contains(pseudonyms.Key(new ResourceKey("Procedure", "T-1")), planned.Single(p => p.Kind == ResourceKind.Observation).Mapped.References);

        // Intervals hold: treatment to measurement is 22 days, pseudonymised or not.
        Assert.Equal(22, DateOnly.Parse(((FhirDateTime)observation.Effective!).Value!).DayNumber - DateOnly.Parse(((FhirDateTime)procedure.Performed!).Value!).DayNumber);
    }
}
