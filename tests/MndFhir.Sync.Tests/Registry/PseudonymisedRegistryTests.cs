using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Serialization;
using MndFhir.Validation;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace MndFhir.Sync.Tests.Registry;

/// <summary>
/// What a pseudonymised registry receives of the whole sample export (issue 10, item 1): no name, clinic id, MRN,
/// full birth date, performer or free text of any sample patient anywhere in its files; only consenting patients;
/// everything valid, with a Provenance per part.
/// </summary>
public sealed class PseudonymisedRegistryTests : IAsyncDisposable
{
    private readonly RegistryHarness _harness = new();

    [Fact]
    public async Task The_registry_receives_no_name_id_mrn_birth_date_performer_or_note_of_any_sample_patient_and_only_consenting_patients()
    {
        var services = await _harness.ServicesAsync(RegistryHarness.NewKeyVariable());
        var samples = Path.Combine(RepositoryPaths.Root, "samples", "clinic-export");
        await RegistryHarness.ImportAsync(services, samples);

        var summary = await RegistryHarness.SyncAsync(services);

        Assert.Null(summary.Error);
        Assert.Equal((0, 0, 0), (summary.Failed, summary.Invalid, summary.Blocked));
        var lines = _harness.Lines().ToList();
        var output = string.Join('\n', lines.Select(l => l.Line));
        // Ids, MRNs, names and dates are single tokens: looked up among the output's tokens; free text (a few dozen
        // distinct notes) is searched as it is.
        var tokens = System.Text.RegularExpressions.Regex.Matches(output, "[A-Za-z0-9._-]+").Select(m => m.Value.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var hits = Needles(samples).DistinctBy(n => n.Value)
            .Where(n => n.Value.Any(char.IsWhiteSpace) || n.Value.Contains(',', StringComparison.Ordinal)
                ? output.Contains(n.Value, StringComparison.OrdinalIgnoreCase)
                : tokens.Contains(n.Value.ToLowerInvariant()) || n.Value.Split(' ').Any(w => tokens.Contains(w.ToLowerInvariant())))
            .ToList();
        Assert.True(hits.Count == 0, "found in the registry's files: " + string.Join(", ", hits.Take(10).Select(h => h.What)));

        var patients = lines.Where(l => l.File.StartsWith("Patient.", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l.Line)!).ToList();
        var consenting = Csv(Path.Combine(samples, "patients.csv")).Count(r => r["registry_consent"] == "yes");
        Assert.Equal(consenting, patients.Count);
        Assert.All(patients, p =>
        {
            Assert.Null(p["name"]);
            Assert.Equal(4, p["birthDate"]!.GetValue<string>().Length);
            var identifier = Assert.Single(p["identifier"]!.AsArray());
            Assert.Equal("https://mndfhir.example.org/fhir/sid/demo-clinic/pseudonym/patient", identifier!["system"]!.GetValue<string>());
            Assert.Matches("^[0-9a-f]{32}$", identifier["value"]!.GetValue<string>());
        });

        // Every reference to a patient resolves in the files; every part has one Provenance, valid, targeting its resources.
        var ids = lines.Where(l => !l.File.StartsWith("Provenance.", StringComparison.Ordinal))
            .Select(l => JsonNode.Parse(l.Line)!).Select(r => $"{r["resourceType"]}/{r["id"]}").ToHashSet(StringComparer.Ordinal);
        foreach (var reference in System.Text.RegularExpressions.Regex.Matches(output, "\"reference\":\"(Patient/[^\"]+)\"").Select(m => m.Groups[1].Value).Distinct())
        {
            Assert.Contains(reference, ids);
        }

        var validator = services.GetRequiredService<IResourceValidator>();
        var provenances = lines.Where(l => l.File.StartsWith("Provenance.", StringComparison.Ordinal)).ToList();
        var parts = lines.Select(l => l.File.Split('.')[1]).Distinct().Count();
        Assert.Equal(parts, provenances.Count);
        foreach (var (_, line) in provenances)
        {
            var provenance = FhirJson.Deserialize<Provenance>(line);
            var report = validator.Validate(provenance);
            Assert.True(report.IsValid, string.Join("\n", report.Lines()));
            Assert.All(provenance.Target, t => Assert.Contains(t.Reference!, ids));
            Assert.Equal(summary.RunId.ToString(System.Globalization.CultureInfo.InvariantCulture), ((Identifier)provenance.Extension.Single().Value!).Value);
            Assert.Equal(Provenance.ProvenanceEntityRole.Source, provenance.Entity.Single().Role);
        }

        Assert.Equal(summary.Created, provenances.Sum(p => FhirJson.Deserialize<Provenance>(p.Line).Target.Count));
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    /// <summary>
    /// Every sample patient's name, ids, MRN and full birth date, every record id and performer, every note and complication:
    /// what must never reach a pseudonymised registry. The one-word form selector "5b" is a code, not free text, and is
    /// left out (a hex pseudonym may well contain it).
    /// </summary>
    private static IEnumerable<(string What, string Value)> Needles(string samples)
    {
        foreach (var p in Csv(Path.Combine(samples, "patients.csv")))
        {
            yield return ("patient_id", p["patient_id"]);
            foreach (var column in new[] { "hospital_mrn", "family_name", "given_name" })
            {
                if (p[column].Length > 0)
                {
                    yield return (column, p[column]);
                }
            }

            if (p["birth_date"].Length > 4)
            {
                yield return ("birth_date", p["birth_date"]);
            }
        }

        foreach (var t in Csv(Path.Combine(samples, "treatments.csv")))
        {
            yield return ("treatment_id", t["treatment_id"]);
            foreach (var column in new[] { "performer", "complication", "note" })
            {
                if (t[column].Length > 0)
                {
                    yield return (column, t[column]);
                }
            }
        }

        foreach (var a in Csv(Path.Combine(samples, "assessments.csv")))
        {
            yield return ("assessment_id", a["assessment_id"]);
            if (a["panel_id"].Length > 0)
            {
                yield return ("panel_id", a["panel_id"]);
            }

            if (a["note"].Length > 2)
            {
                yield return ("note", a["note"]);
            }
        }
    }

    private static List<Dictionary<string, string>> Csv(string path)
    {
        using var reader = Sylvan.Data.Csv.CsvDataReader.Create(path);
        var rows = new List<Dictionary<string, string>>();
        while (reader.Read())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, reader.GetString, StringComparer.Ordinal));
        }

        return rows;
    }
}
