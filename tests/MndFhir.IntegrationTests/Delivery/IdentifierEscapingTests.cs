using System.Globalization;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging.Abstractions;
using MndFhir.Identity;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.Mapping;
using MndFhir.Serialization;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Ledger;
using Xunit.Abstractions;

namespace MndFhir.IntegrationTests.Delivery;

/// <summary>
/// Clinic ids with FHIR search's special characters (<c>, | $ \</c>), URL characters, case and prefix variants of each
/// other, delivered by conditional update and looked up by the adapter's own identifier search against the real server:
/// each finds its own resource and no other, and a change updates it instead of creating a second one (issue 7).
/// </summary>
public sealed class IdentifierEscapingTests(FhirTestServer server, ITestOutputHelper output) : IClassFixture<FhirTestServer>
{
    private const int RandomValues = 200;
    private const int BundleSize = 50;

    /// <summary>What FHIR search or a URL query gives a meaning to, and what a clinic id might hold (as text elements).</summary>
    private static readonly string[] Alphabet =
        [",", "|", "$", "\\", "/", "%", "#", "?", "&", "=", "+", ";", ":", " ", "'", "\"", "P", "p", "-", "1", "9", "é", "É", "ß", "中", "🙂"];

    /// <summary>Values that were seen to collide, or would, when identifier searches were only percent-encoded.</summary>
    private static readonly string[] Known =
    [
        "P-1", "p-1", "P-9", "P-1,P-9", "p-1,P-9", "P-1|P-9", "P-1\\", "P-1\\,P-9", "P-1\\|P-9", "\\", "\\\\", ",", "|", "$", "$P-1",
        "P-1$P-9", "|P-1", "P-1|", ",P-1", "P-1,", " P-1", "P-1 ", "P-1%2C", "P-1%7CP-9", "P-1&identifier=P-9", "P-1#9", "É-1", "é-1",
    ];

    [Theory]
    [InlineData(20240607)]
    [InlineData(null)]
    public async System.Threading.Tasks.Task Every_hostile_clinic_id_is_updated_in_place_and_found_alone_by_its_identifier_search(int? fixedSeed)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = cts.Token;
        var seed = fixedSeed ?? Random.Shared.Next();
        output.WriteLine($"Seed {seed} (fixed: {fixedSeed is not null})");
        var values = Values(new Random(seed));
        output.WriteLine($"{values.Count} clinic ids, for example {string.Join("  ", values.Skip(Known.Length).Take(8).Select(Show))}");
        var identity = new ClinicIdentity($"https://clinic.test/sid/{Guid.NewGuid():N}");
        var keys = values.Select(v => new ResourceKey("Patient", v)).ToList();
        await using var destination = FhirDestination.At(server.BaseUrl, identity);
        await using var writer = destination.Writer();
        using var client = destination.Client();

        var first = await SendAsync(writer, identity, keys, AdministrativeGender.Male, ChangeKind.New, ct);
        var second = await SendAsync(writer, identity, keys, AdministrativeGender.Female, ChangeKind.Changed, ct);

        Assert.Equal(keys, first.Select(r => r.Key));
        Assert.Equal(keys, second.Select(r => r.Key));
        AssertAll(first, r => r.Accepted && r.Created, "not created in the first round");
        AssertAll(second, r => r.Accepted && !r.Created, "not updated in place in the second round");
        Assert.Equal(first.Select(r => r.ServerId), second.Select(r => r.ServerId));

        var found = new List<List<string>>();
        foreach (var chunk in keys.Chunk(BundleSize))
        {
            found.AddRange(await client.SearchByIdentifierAsync(chunk, ct));
        }

        var stored = await StoredAsync(identity.SystemFor("Patient"), ct);
        Assert.Equal(keys.Count, await server.CountAsync("Patient", SystemOnly(identity.SystemFor("Patient")), ct));
        Assert.Equal(keys.Count, stored.Count);
        var wrong = new List<string>();
        for (var i = 0; i < keys.Count; i++)
        {
            var ids = found[i];
            if (ids.Count != 1 || ids[0] != first[i].ServerId || !stored.TryGetValue(ids[0], out var resource)
                || resource.Value != values[i] || resource.BirthDate != BirthDate(i) || resource.Gender != "female")
            {
                wrong.Add($"{Show(values[i])} found [{string.Join(", ", ids)}], delivered as {first[i].ServerId}");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {keys.Count} clinic ids (seed {seed}) were not found alone:\n{string.Join("\n", wrong.Take(20))}");
    }

    private static async Task<List<DeliveryResult>> SendAsync(
        IDestinationWriter writer, ClinicIdentity identity, List<ResourceKey> keys, AdministrativeGender gender, ChangeKind kind, CancellationToken ct)
    {
        var results = new List<DeliveryResult>();
        foreach (var chunk in keys.Select((key, i) => Item(identity, key, i, gender, kind)).Chunk(BundleSize))
        {
            results.AddRange(await writer.SendAsync(chunk, ct));
        }

        return results;
    }

    /// <summary>A patient whose birth date tells which generated value it was made for, and whose gender tells the round.</summary>
    private static ChangeSetItem Item(ClinicIdentity identity, ResourceKey key, int index, AdministrativeGender gender, ChangeKind kind)
    {
        var patient = new Patient { Gender = gender, BirthDate = BirthDate(index) };
        patient.Identifier.Add(identity.IdentifierFor(key));
        var json = FhirJson.Serialize(patient);
        return new ChangeSetItem(new MappedResource(key, key.BusinessId, patient, []), json, FhirJson.Hash(json), kind);
    }

    private static string BirthDate(int index) => new DateOnly(1940, 1, 1).AddDays(index).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The known collisions, then random values: from the alphabet, case variants, extensions and backslash endings of earlier ones.</summary>
    private static List<string> Values(Random random)
    {
        var values = new List<string>(Known);
        while (values.Count < Known.Length + RandomValues)
        {
            var earlier = values[random.Next(values.Count)];
            var value = random.Next(6) switch
            {
                0 => string.Equals(earlier.ToUpperInvariant(), earlier, StringComparison.Ordinal) ? earlier.ToLowerInvariant() : earlier.ToUpperInvariant(),
                1 => earlier + Alphabet[random.Next(4)] + values[random.Next(values.Count)],
                2 => earlier + "\\",
                _ => string.Concat(Enumerable.Range(0, 1 + random.Next(10)).Select(_ => Alphabet[random.Next(Alphabet.Length)])),
            };
            if (!string.IsNullOrWhiteSpace(value) && !values.Contains(value, StringComparer.Ordinal))
            {
                values.Add(value);
            }
        }

        return values;
    }

    /// <summary>Every Patient the server holds with an identifier of the system: id to that identifier's value, birth date and gender.</summary>
    private async Task<Dictionary<string, (string? Value, string? BirthDate, string? Gender)>> StoredAsync(string system, CancellationToken ct)
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync(new Uri(server.BaseUrl, $"Patient?{SystemOnly(system)}&_count=10000"), ct);
        using var doc = JsonDocument.Parse(json);
        var stored = new Dictionary<string, (string?, string?, string?)>(StringComparer.Ordinal);
        foreach (var entry in doc.RootElement.TryGetProperty("entry", out var entries) ? entries.EnumerateArray() : default)
        {
            var resource = entry.GetProperty("resource");
            var value = resource.GetProperty("identifier").EnumerateArray()
                .Where(i => i.TryGetProperty("system", out var s) && s.GetString() == system)
                .Select(i => i.GetProperty("value").GetString())
                .Single();
            stored.Add(resource.GetProperty("id").GetString()!, (value, Text(resource, "birthDate"), Text(resource, "gender")));
        }

        return stored;
    }

    /// <summary><c>identifier={system}|</c>: every identifier of the system, whatever its value.</summary>
    private static string SystemOnly(string system) => $"identifier={Uri.EscapeDataString(SearchToken.Escape(system))}|";

    private static string? Text(JsonElement resource, string property) =>
        resource.TryGetProperty(property, out var value) ? value.GetString() : null;

    private static void AssertAll(List<DeliveryResult> results, Func<DeliveryResult, bool> expected, string failure)
    {
        var wrong = results.Where(r => !expected(r))
            .Select(r => $"{Show(r.Key.BusinessId)}: {(r.Accepted ? (r.Created ? "created " : "updated ") + r.ServerId : Shorten(r.Error))}")
            .ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {results.Count} {failure}:\n{string.Join("\n", wrong.Take(20))}");
    }

    /// <summary>A generated value as a C# literal, so whitespace and backslashes show.</summary>
    private static string Show(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            text.Append(c switch { '\\' => "\\\\", '"' => "\\\"", _ => c.ToString() });
        }

        return text.Append('"').ToString();
    }

    private static string Shorten(string? error) => error is null ? string.Empty : error.Length <= 200 ? error : error[..200] + "…";
}
