using MndFhir.Identity;
using MndFhir.Intake;
using MndFhir.Mapping;
using MndFhir.Records;
using MndFhir.Serialization;

namespace MndFhir.Core.Tests.Mapping;

/// <summary>
/// The FHIR output of the sample export, kept under version control in samples/golden/: one example per treatment
/// code and per measure code (and per code variant), plus a patient and its condition. A mapping change that alters
/// any of them fails here until the change is accepted: MNDFHIR_ACCEPT_GOLDEN=1 dotnet test --filter GoldenFileTests,
/// then review the diff of samples/golden/ and commit it with the mapping change.
/// </summary>
public sealed class GoldenFileTests
{
    private static readonly string Folder = Path.Combine(RepositoryPaths.Samples, "golden");
    private static readonly bool Accept = Environment.GetEnvironmentVariable("MNDFHIR_ACCEPT_GOLDEN") == "1";

    [Fact]
    public async Task The_samples_map_to_the_accepted_fhir_output_for_every_clinic_code()
    {
        var rules = MappingSetLoader.Load(RepositoryPaths.Mappings);
        var identity = new ClinicIdentity("https://mndfhir.example.org/fhir/sid/demo-clinic");
        var mapper = new FhirMapper(rules, identity);
        var resolver = new ConditionalReferenceResolver(identity);
        var examples = new SortedDictionary<string, MappedResource>(StringComparer.Ordinal);
        var parser = new ClinicExportParser();
        var context = new IntakeContext(rules, DateOnly.FromDateTime(DateTime.UtcNow), _ => ClinicDate.Parse("1900-01-01"), _ => true);
        var export = Path.Combine(RepositoryPaths.Samples, "clinic-export");

        var onsets = new Dictionary<string, ClinicDate?>(StringComparer.Ordinal);
        using (var reader = new StreamReader(Path.Combine(export, "patients.csv")))
        {
            await foreach (var row in parser.ReadPatientsAsync(reader, context, CancellationToken.None))
            {
                onsets[row.Record!.PatientId] = row.Record.OnsetDate;
                if (onsets.Count == 1)
                {
                    examples["Patient"] = mapper.MapPatient(row.Record, "https://hospital.example.org/fhir/sid/mrn");
                    examples["Condition"] = mapper.MapCondition(row.Record, resolver);
                }
            }
        }

        using (var reader = new StreamReader(Path.Combine(export, "treatments.csv")))
        {
            await foreach (var row in parser.ReadTreatmentsAsync(reader, context, CancellationToken.None))
            {
                examples.TryAdd($"Procedure-{row.Record!.Code}", mapper.MapProcedure(row.Record, resolver));
            }
        }

        var firstPanel = new List<AssessmentRecord>();
        using (var reader = new StreamReader(Path.Combine(export, "assessments.csv")))
        {
            await foreach (var row in parser.ReadAssessmentsAsync(reader, context, CancellationToken.None))
            {
                var a = row.Record!;
                if (a.PanelId is not null && (firstPanel.Count == 0 || firstPanel[0].PanelId == a.PanelId) && a.Code.StartsWith("ALSFRSR_", StringComparison.Ordinal))
                {
                    firstPanel.Add(a);
                }

                if (a.Code == "ALSFRSR_TOTAL" && !examples.ContainsKey("Observation-derived-ALSFRSR_DFS"))
                {
                    examples["Observation-derived-ALSFRSR_DFS"] = mapper.MapDerived(rules.Derived["ALSFRSR_DFS"], a, onsets[a.PatientId], resolver);
                }

                var variant = a.Code == "ALSFRSR_05" && a.Note == "5b" ? "-5b" : a.BodySite is { } site && a.Code == "GRIP" ? "-" + site : string.Empty;
                examples.TryAdd($"Observation-{a.Code}{variant}", mapper.MapObservation(a, resolver));
            }
        }

        examples["Observation-panel-ALSFRSR"] = mapper.MapPanel(rules.Panels["ALSFRSR"], firstPanel[0].PanelId!, firstPanel, resolver);
        Assert.Equal(13, firstPanel.Count);

        Assert.Equal(ClinicVocabulary.TreatmentCodes.Order(), examples.Keys.Where(k => k.StartsWith("Procedure-", StringComparison.Ordinal)).Select(k => k["Procedure-".Length..]).Order());
        Assert.True(ClinicVocabulary.MeasureCodes.All(code => examples.ContainsKey("Observation-" + code) || examples.Keys.Any(k => k.StartsWith($"Observation-{code}-", StringComparison.Ordinal))));

        var differences = new List<string>();
        Directory.CreateDirectory(Folder);
        foreach (var (name, mapped) in examples)
        {
            var path = Path.Combine(Folder, name + ".json");
            var actual = FhirJson.Serialize(mapped.Resource, indented: true) + "\n";
            var expected = File.Exists(path) ? await File.ReadAllTextAsync(path) : null;
            if (actual == expected)
            {
                continue;
            }

            if (Accept)
            {
                await File.WriteAllTextAsync(path, actual);
            }
            else
            {
                differences.Add(expected is null ? $"{name}.json is missing" : $"{name}.json differs");
            }
        }

        var stale = Directory.GetFiles(Folder, "*.json").Select(Path.GetFileNameWithoutExtension).Where(n => !examples.ContainsKey(n!)).ToList();
        Assert.True(
            differences.Count == 0 && stale.Count == 0,
            $"Golden files disagree with the mapping output: {string.Join("; ", differences.Concat(stale.Select(s => s + ".json is no longer produced")))}. " +
            "If the change is intended: MNDFHIR_ACCEPT_GOLDEN=1 dotnet test --filter GoldenFileTests, review git diff samples/golden, commit.");
    }

    [Fact]
    public void The_published_code_systems_are_exactly_what_the_mappings_make()
    {
        var rules = MappingSetLoader.Load(RepositoryPaths.Mappings);
        foreach (var system in ClinicCodeSystemFactory.Create(rules))
        {
            var path = Path.Combine(RepositoryPaths.Mappings, "codesystems", system.Id + ".json");
            Assert.True(File.Exists(path), $"{path} is missing: run mndfhir mappings codesystems");
            Assert.True(
                File.ReadAllText(path) == FhirJson.Serialize(system, indented: true) + "\n",
                $"{path} is out of date with the mappings: run mndfhir mappings codesystems and commit the result");
        }
    }
}
