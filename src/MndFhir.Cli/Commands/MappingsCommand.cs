using System.CommandLine;
using MndFhir.Cli.Hosting;
using MndFhir.Mapping;
using MndFhir.Serialization;

namespace MndFhir.Cli.Commands;

internal static class MappingsCommand
{
    public static Command Create()
    {
        var folder = new Option<DirectoryInfo?>("--mappings", "-m") { Description = "The mappings folder (default: Clinic:MappingsPath)." };
        var validate = new Command("validate", "Check every mapping file (YAML, known code systems, UCUM units, ranges, every clinic code covered); exit 1 with file:line messages when broken.") { folder };
        validate.SetAction(async (parse, _) =>
        {
            var path = parse.GetValue(folder)?.FullName ?? MappingsPath(parse.GetValue(CommonOptions.Config));
            MappingSet rules;
            try
            {
                rules = MappingSetLoader.Load(path);
            }
            catch (MappingLoadException ex)
            {
                foreach (var problem in ex.Problems)
                {
                    await Console.Error.WriteLineAsync(Path.Combine(path, problem.File) + ":" + problem.Line + ": " + problem.Message);
                }

                await Console.Error.WriteLineAsync($"mappings validate: {ex.Problems.Count} problems");
                return 1;
            }

            var uncovered = ClinicVocabulary.Uncovered(rules);
            foreach (var code in uncovered)
            {
                await Console.Error.WriteLineAsync($"{path}: no mapping for clinic {code}");
            }

            await Console.Out.WriteLineAsync(
                $"mappings validate: {rules.Measures.Count} measures, {rules.Panels.Count} panels, {rules.Treatments.Count} treatments, {rules.Diagnoses.Count} diagnoses, " +
                $"{rules.BodySites.Count} body sites; {(uncovered.Count == 0 ? "every clinic code is covered" : uncovered.Count + " clinic codes not covered")} (fingerprint {rules.Fingerprint[..12]})");
            return uncovered.Count == 0 ? 0 : 1;
        });
        var output = new Option<DirectoryInfo?>("--out", "-o") { Description = "Where to write the CodeSystem JSON files (default: <mappings>/codesystems)." };
        var codeSystems = new Command("codesystems", "Write the clinic's own CodeSystems (FHIR JSON), made from the mapping rules, for registries to validate against.") { folder, output };
        codeSystems.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(folder)?.FullName ?? MappingsPath(parse.GetValue(CommonOptions.Config));
            var target = parse.GetValue(output)?.FullName ?? Path.Combine(path, "codesystems");
            Directory.CreateDirectory(target);
            foreach (var system in ClinicCodeSystemFactory.Create(MappingSetLoader.Load(path)))
            {
                await File.WriteAllTextAsync(Path.Combine(target, system.Id + ".json"), FhirJson.Serialize(system, indented: true) + "\n", ct);
                await Console.Out.WriteLineAsync($"{system.Id}.json: {system.Concept.Count} codes");
            }

            return 0;
        });
        return new Command("mappings", "Work with the mapping rules.") { validate, codeSystems };
    }

    private static string MappingsPath(FileInfo? config)
    {
        var (configuration, baseDirectory) = CliContext.LoadConfiguration(config);
        return Path.GetFullPath(configuration["Clinic:MappingsPath"] ?? "mappings", baseDirectory);
    }
}
