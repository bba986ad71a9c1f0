using System.Reflection;
using Hl7.Fhir.Model;
using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Core.Tests.Mapping;

/// <summary>
/// The input hash stands for everything an Observation is made from (decision 0018): a field it leaves out would let a
/// sync judge a changed record unchanged. Every field of the record, but for the import's bookkeeping, must move it.
/// </summary>
public sealed class MappingInputsTests
{
    /// <summary>Bookkeeping of the import: not read by the mapping.</summary>
    private static readonly string[] Bookkeeping = [nameof(ClinicRecord.ContentHash), nameof(ClinicRecord.FirstImportedAt), nameof(ClinicRecord.UpdatedAt)];

    public static TheoryData<string> Fields() =>
        [.. typeof(AssessmentRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && !Bookkeeping.Contains(p.Name)).Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Fields))]
    public void Every_field_of_an_assessment_moves_the_hash_of_its_observations_inputs(string field)
    {
        var inputs = new MappingInputs("context");
        var record = Record();
        var before = inputs.Of(record, Reference("Patient/1"), null);

        var property = typeof(AssessmentRecord).GetProperty(field)!;
        property.SetValue(record, Other(property.PropertyType, property.GetValue(record)));

        Assert.NotEqual(before, inputs.Of(record, Reference("Patient/1"), null));
    }

    [Fact]
    public void The_references_as_resolved_and_the_context_move_it_and_nothing_else_does()
    {
        var inputs = new MappingInputs("context");
        var record = Record();
        var subject = Reference("Patient/1");
        var hash = inputs.Of(record, subject, null);

        Assert.Equal(hash, inputs.Of(Record(), Reference("Patient/1"), null));
        Assert.Equal(hash, new MappingInputs("context").Of(record, subject, null));
        Assert.NotEqual(hash, inputs.Of(record, Reference("Patient/2"), null));
        Assert.NotEqual(hash, inputs.Of(record, null, null));
        Assert.NotEqual(hash, inputs.Of(record, subject, Reference("Procedure/1")));
        Assert.NotEqual(hash, inputs.Of(record, subject, new ResourceReference { Type = "Procedure", Display = "unresolved" }));
        Assert.NotEqual(hash, new MappingInputs("other mappings").Of(record, subject, null));

        // Fields run together must not hash alike: "ab" + "" is not "a" + "b".
        Assert.NotEqual(inputs.Of(Record(unit: "ab", bodySite: null), subject, null), inputs.Of(Record(unit: "a", bodySite: "b"), subject, null));
    }

    private static AssessmentRecord Record(string? unit = "kg", string? bodySite = "hand-left") => new()
    {
        AssessmentId = "A-1",
        PatientId = "P-1",
        Code = "GRIP",
        Value = "23.5",
        Unit = unit,
        Effective = ClinicDate.Parse("2025-01-02"),
        PanelId = "PN-1",
        BodySite = bodySite,
        TreatmentId = "T-1",
        Status = AssessmentStatus.Final,
        Note = "note",
    };

    private static ResourceReference Reference(string reference) =>
        new(reference) { Identifier = new Identifier("https://clinic.example.org/fhir/sid/patient", "P-1") };

    private static object? Other(Type type, object? value) =>
        type == typeof(string) ? value + "x"
        : type == typeof(ClinicDate) ? ClinicDate.Parse("2025-01-03")
        : type == typeof(AssessmentStatus) ? AssessmentStatus.Amended
        : type == typeof(DateTimeOffset?) ? DateTimeOffset.UnixEpoch
        : throw new InvalidOperationException($"a field of type {type.Name}: teach this test (and MappingInputs) about it");
}
