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

    public static string Serialize(Resource resource, bool indented = false) =>
        JsonSerializer.Serialize(resource, indented ? Indented : Compact);

    public static T Deserialize<T>(string json)
        where T : Resource =>
        JsonSerializer.Deserialize<T>(json, Compact) ?? throw new JsonException($"The JSON is not a {typeof(T).Name}.");

    /// <summary>SHA-256 (lower-case hex) of the UTF-8 JSON: equal hashes mean the destination already holds this content.</summary>
    public static string Hash(string json) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
}
