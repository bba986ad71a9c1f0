using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Hl7.Fhir.Model;
using MndFhir.Records;

namespace MndFhir.Mapping;

/// <summary>
/// Hashes (XXH3-128) everything one resource's content is a function of, so a sync can tell without mapping that a
/// resource would come out as the content its destination already holds (decision 0018). The mapping is pure (see
/// <see cref="FhirMapper"/>): the same record, rules and references always give the same resource. So the hash covers:
/// <list type="bullet">
/// <item>the epoch, for the whole plan: the caller's context (the mappings' fingerprint, the clinic's identifier
/// systems, the destination's settings and a check value of its pseudonym key), and the build of the code that maps,
/// pseudonymises and serializes (the module ids of this assembly and of the Firely SDK's);</item>
/// <item>per resource, every field of its record (bookkeeping aside: a test mutates each field and sees the hash
/// change) and each reference as the destination's resolver resolves it.</item>
/// </list>
/// Not thread-safe: one per planner.
/// </summary>
public sealed class MappingInputs
{
    private readonly XxHash128 _hash = new();
    private readonly UInt128 _epoch;

    /// <param name="context">What the caller's plan depends on beyond records and references, in one string.</param>
    public MappingInputs(string context)
    {
        _epoch = XxHash128.HashToUInt128(Encoding.UTF8.GetBytes($"{context}|{Build}"));
    }

    /// <summary>The build of the code whose output the hash stands for: a new build of either maps everything again once.</summary>
    public static string Build { get; } =
        string.Join(';', new[] { typeof(MappingInputs), typeof(Base), typeof(ModelInfo), typeof(Hl7.Fhir.Serialization.FhirJsonConverterOptionsExtensions), typeof(System.Text.Json.JsonSerializer) }
            .Select(t => t.Assembly.ManifestModule.ModuleVersionId.ToString("N")).Distinct());

    /// <summary>The inputs of an assessment's Observation: the record and the references its mapping resolves.</summary>
    public UInt128 Of(AssessmentRecord record, ResourceReference? subject, ResourceReference? followUpOf)
    {
        Begin("Observation");
        Add(record);
        Add(subject);
        Add(followUpOf);
        return _hash.GetCurrentHashAsUInt128();
    }

    private void Begin(string kind)
    {
        _hash.Reset();
        Span<byte> epoch = stackalloc byte[16];
        MemoryMarshal.Write(epoch, in _epoch);
        _hash.Append(epoch);
        Add(kind);
    }

    private void Add(AssessmentRecord a)
    {
        Add(a.AssessmentId);
        Add(a.PatientId);
        Add(a.Code);
        Add(a.Value);
        Add(a.Unit);
        Add(a.Effective.Value);
        Add(a.PanelId);
        Add(a.BodySite);
        Add(a.TreatmentId);
        Add((int)a.Status);
        Add(a.Note);
        Add(a.RemovedFromExportAt?.UtcTicks ?? -1);
    }

    private void Add(ResourceReference? reference)
    {
        if (reference is null)
        {
            Add(-1);
            return;
        }

        Add(reference.Reference);
        Add(reference.Type);
        Add(reference.Display);
        Add(reference.Identifier?.System);
        Add(reference.Identifier?.Value);
    }

    /// <summary>A string with its length before it (-1 for null), so no two sequences of fields hash alike.</summary>
    private void Add(string? text)
    {
        Add(text?.Length ?? -1);
        if (text is not null)
        {
            _hash.Append(MemoryMarshal.AsBytes(text.AsSpan()));
        }
    }

    private void Add(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        MemoryMarshal.Write(bytes, in value);
        _hash.Append(bytes);
    }
}
