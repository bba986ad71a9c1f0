using System.Text;
using System.Text.Json.Nodes;

namespace MndFhir.Core.Tests.Documentation;

/// <summary>
/// docs/registries.md is written by hand above a marker and generated below it from the samples' FHIR output
/// (samples/golden/, itself kept current by GoldenFileTests): per resource kind the profile, the codes, the value, the
/// personal data it carries and one whole example. A mapping change that alters them fails here until accepted:
/// MNDFHIR_ACCEPT_GOLDEN=1 dotnet test tests/MndFhir.Core.Tests --filter RegistriesDocumentTests.
/// </summary>
public sealed class RegistriesDocumentTests
{
    public const string Marker = "<!-- Generated below from samples/golden by RegistriesDocumentTests; do not edit by hand. -->";

    private static readonly string Golden = Path.Combine(RepositoryPaths.Samples, "golden");

    private static readonly (string Title, string Prefix, string Example, string About)[] Kinds =
    [
        ("Patient", "Patient", "Patient", "one per patient row"),
        ("Condition", "Condition", "Condition", "the MND diagnosis, one per patient row"),
        ("Procedure", "Procedure-", "Procedure-SC_INTRATHECAL", "one per treatment row"),
        ("Observation", "Observation-", "Observation-FVC", "one per assessment row"),
        ("Observation (questionnaire panel)", "Observation-panel-", "Observation-panel-ALSFRSR", "one per ALSFRS-R administration (panel_id), hasMember the items and the total in force (a withdrawn one is left out, unless all are)"),
        ("Observation (derived)", "Observation-derived-", "Observation-derived-ALSFRSR_DFS", "one per ALSFRS-R total: the progression rate since onset"),
    ];

    private static readonly Dictionary<string, string> Systems = new(StringComparer.Ordinal)
    {
        ["http://loinc.org"] = "LOINC",
        ["http://snomed.info/sct"] = "SNOMED CT",
        ["http://hl7.org/fhir/sid/icd-10-cm"] = "ICD-10-CM",
        ["http://hl7.org/fhir/sid/icd-10"] = "ICD-10",
    };

    [Fact]
    public async Task The_registries_document_shows_what_the_mappings_make_of_the_samples()
    {
        var path = Path.Combine(RepositoryPaths.Root, "docs", "registries.md");
        var text = await File.ReadAllTextAsync(path);
        var at = text.IndexOf(Marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"docs/registries.md has lost its marker line: {Marker}");
        var expected = text[..(at + Marker.Length)] + "\n" + Generate();
        if (Environment.GetEnvironmentVariable("MNDFHIR_ACCEPT_GOLDEN") == "1")
        {
            await File.WriteAllTextAsync(path, expected);
        }

        Assert.True(
            text == expected,
            "docs/registries.md is out of date with samples/golden: MNDFHIR_ACCEPT_GOLDEN=1 dotnet test tests/MndFhir.Core.Tests --filter RegistriesDocumentTests, review the diff and commit it.");
    }

    private static string Generate()
    {
        var files = Directory.GetFiles(Golden, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!).Order(StringComparer.Ordinal).ToList();
        var md = new StringBuilder();
        foreach (var (title, prefix, example, about) in Kinds)
        {
            var mine = files.Where(f => f.StartsWith(prefix, StringComparison.Ordinal) && Kinds.Where(k => k.Prefix.Length > prefix.Length).All(k => !f.StartsWith(k.Prefix, StringComparison.Ordinal))).ToList();
            md.Append("\n## ").Append(title).Append("\n\n").Append(char.ToUpperInvariant(about[0])).Append(about[1..]).Append(". ").Append(mine.Count).Append(mine.Count == 1 ? " example" : " examples").Append(" in `samples/golden/`.\n\n")
                .Append("| example | clinic code | standard codes | profile | value | personal data it carries (pseudonymised: see data-contract.md) |\n|---|---|---|---|---|---|\n");
            foreach (var name in mine)
            {
                var r = JsonNode.Parse(File.ReadAllText(Path.Combine(Golden, name + ".json")))!;
                md.Append("| [").Append(name).Append("](../samples/golden/").Append(name).Append(".json) | ").Append(ClinicCode(r)).Append(" | ").Append(StandardCodes(r)).Append(" | ")
                    .Append(Profile(r)).Append(" | ").Append(Value(r)).Append(" | ").Append(PersonalData(r)).Append(" |\n");
            }

            md.Append("\nExample (`samples/golden/").Append(example).Append(".json`, synthetic data):\n\n```json\n")
                .Append(File.ReadAllText(Path.Combine(Golden, example + ".json")).TrimEnd('\n')).Append("\n```\n");
        }

        return md.ToString();
    }

    private static IEnumerable<JsonNode> Codings(JsonNode r) =>
        (r["code"]?["coding"]?.AsArray() ?? []).OfType<JsonNode>();

    private static string ClinicCode(JsonNode r) =>
        Codings(r).FirstOrDefault(c => c["system"]!.GetValue<string>().Contains("/CodeSystem/clinic-", StringComparison.Ordinal)) is { } c
            ? $"`{c["code"]!.GetValue<string>()}` {c["display"]?.GetValue<string>()}"
            : "-";

    private static string StandardCodes(JsonNode r)
    {
        var codes = Codings(r).Where(c => Systems.ContainsKey(c["system"]!.GetValue<string>()))
            .Select(c => $"{Systems[c["system"]!.GetValue<string>()]} {c["code"]!.GetValue<string>()}").ToList();
        return codes.Count == 0 ? (r["code"] is null ? "-" : "none verified (clinic code only)") : string.Join(", ", codes);
    }

    private static string Profile(JsonNode r) =>
        r["meta"]?["profile"]?.AsArray() is { Count: > 0 } profiles
            ? string.Join(", ", profiles.Select(p => "`" + p!.GetValue<string>()[(p.GetValue<string>().LastIndexOf('/') + 1)..] + "`"))
            : "FHIR R4 base";

    private static string Value(JsonNode r)
    {
        var o = r.AsObject();
        return o.ContainsKey("valueQuantity") ? $"valueQuantity `{r["valueQuantity"]!["code"]?.GetValue<string>()}`"
            : o.ContainsKey("valueCodeableConcept") ? "valueCodeableConcept"
            : o.ContainsKey("valueBoolean") ? "valueBoolean"
            : o.ContainsKey("valueInteger") ? "valueInteger"
            : o.ContainsKey("hasMember") ? $"hasMember ({r["hasMember"]!.AsArray().Count})"
            : o.ContainsKey("dataAbsentReason") ? "dataAbsentReason"
            : o.ContainsKey("performedPeriod") ? "performedPeriod"
            : o.ContainsKey("performedDateTime") ? "performedDateTime"
            : o.ContainsKey("onsetDateTime") ? "onsetDateTime"
            : "-";
    }

    /// <summary>The elements of the example that identify or describe the person, as sent today.</summary>
    private static string PersonalData(JsonNode r)
    {
        var o = r.AsObject();
        var found = new List<string>();
        if (o["identifier"]?.AsArray().Any(i => i?["type"] is not null) == true)
        {
            found.Add("hospital MRN (only with the destination's HospitalMrnSystem)");
        }

        foreach (var (element, meaning) in new[] { ("name", "name"), ("birthDate", "birth date"), ("deceasedDateTime", "date of death"), ("gender", "gender"), ("note", "free-text note"), ("complication", "free-text complication") })
        {
            if (o.ContainsKey(element))
            {
                found.Add(meaning);
            }
        }

        if (o.ContainsKey("subject"))
        {
            found.Add("subject: the clinic's patient id");
        }
        else if (r["resourceType"]!.GetValue<string>() == "Patient")
        {
            found.Add("identifier: the clinic's patient id");
        }

        return string.Join("; ", found);
    }
}
