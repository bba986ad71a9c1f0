using System.Buffers;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace MndFhir.Serialization;

/// <summary>FHIR JSON (Firely's System.Text.Json converters) and the content hash the ledger compares.</summary>
public static class FhirJson
{
    public static readonly JsonSerializerOptions Compact = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);

    public static readonly JsonSerializerOptions Indented = new JsonSerializerOptions { WriteIndented = true }.ForFhir(ModelInfo.ModelInspector);

    private static readonly Lazy<System.Threading.Tasks.Task> Warm = new(() => System.Threading.Tasks.Task.Run(() =>
    {
        // Every kind of resource a sync makes, with the element types they carry: Firely builds its class mappings and
        // the serializer its converters on first use of each type.
        Resource[] resources =
        [
            new Patient { Id = "w", Identifier = [new Identifier("urn:w", "w")], Name = [new HumanName { Family = "w", Given = ["w"] }], BirthDate = "2000", Gender = AdministrativeGender.Unknown },
            new Condition { Code = new CodeableConcept("urn:w", "w"), Subject = new ResourceReference("Patient/w"), Onset = new FhirDateTime("2000") },
            new Procedure { Status = EventStatus.Completed, Code = new CodeableConcept("urn:w", "w"), Subject = new ResourceReference("Patient/w"), Performed = new Period { Start = "2000" } },
            new Observation
            {
                Meta = new Meta { Profile = ["urn:w"] }, Status = ObservationStatus.Final, Code = new CodeableConcept("urn:w", "w"),
                Subject = new ResourceReference("Patient/w"), Effective = new FhirDateTime("2000"), Value = new Quantity(1m, "w"),
                Extension = [new Extension("urn:w", new FhirString("w"))], Note = [new Annotation { Text = "w" }],
                Component = [new Observation.ComponentComponent { Code = new CodeableConcept("urn:w", "w"), Value = new Integer(1) }],
            },
        ];
        foreach (var resource in resources)
        {
            ContentHash(Serialize(resource));
        }
    }));

    /// <summary>
    /// Builds, on a pool thread, what the first serialization of each kind of resource would build on the caller's
    /// (Firely's model inspector, class mappings and converters: about a third of a second): a command that is about to
    /// map and serialize starts it first, so that it overlaps the command's own start-up (configuration, database,
    /// ledger) on a second core. Idempotent; callers need not wait for it (serializing does not depend on it).
    /// </summary>
    public static System.Threading.Tasks.Task WarmUpAsync() => Warm.Value;

    public static string Serialize(Resource resource, bool indented = false) =>
        JsonSerializer.Serialize(resource, indented ? Indented : Compact);

    public static T Deserialize<T>(string json)
        where T : Resource =>
        JsonSerializer.Deserialize<T>(json, Compact) ?? throw new JsonException($"The JSON is not a {typeof(T).Name}.");

    /// <summary>What <see cref="ContentHash"/> values start with: XXH3 128-bit, lower-case hex after it.</summary>
    public const string ContentHashPrefix = "x3:";

    /// <summary>
    /// The hash the ledger compares to know a destination already holds this content: XXH3 128-bit of the UTF-8 JSON,
    /// <c>x3:</c> and 32 hex digits. Change detection needs no cryptographic strength (whoever can choose the JSON can
    /// choose what is sent anyway), and a sync hashes every resource it plans: SHA-256 was a quarter of a no-change
    /// resync's time (BENCHMARKS.md). Ledgers written before hold SHA-256 (<see cref="Hash"/>); they still compare.
    /// </summary>
    public static string ContentHash(string json) =>
        ContentHashPrefix + HexOfUtf8(json, 16, static (utf8, hash) => XxHash128.Hash(utf8, hash));

    /// <summary>SHA-256 (lower-case hex) of the UTF-8 text: export fingerprints, row and shape keys, and content hashes in ledgers written before <see cref="ContentHash"/>.</summary>
    public static string Hash(string json) =>
        HexOfUtf8(json, SHA256.HashSizeInBytes, static (utf8, hash) => SHA256.HashData(utf8, hash));

    private delegate void HashInto(ReadOnlySpan<byte> utf8, Span<byte> hash);

    /// <summary>
    /// Lower-case hex of <paramref name="hash"/> over the UTF-8 of <paramref name="text"/>, encoded into a pooled buffer:
    /// a sync hashes every resource it plans, and the encoded copy is garbage at once.
    /// </summary>
    private static string HexOfUtf8(string text, int size, HashInto hash)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            Span<byte> result = stackalloc byte[size];
            hash(buffer.AsSpan(0, length), result);
            return Convert.ToHexStringLower(result);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
