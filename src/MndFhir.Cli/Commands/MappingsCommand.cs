using System.CommandLine;
using Microsoft.Extensions.Configuration;
using MndFhir.Cli.Hosting;
using MndFhir.Mapping;
using MndFhir.Identity;
using MndFhir.Serialization;
using MndFhir.Service.Configuration;
using MndFhir.Sync.Configuration;
using MndFhir.Validation;
using MndFhir.Validation.Coverage;

namespace MndFhir.Cli.Commands;

internal static class MappingsCommand
{
    public static Command Create()
    {
        var folder = new Option<DirectoryInfo?>("--mappings", "-m") { Description = "The mappings folder (default: Clinic:MappingsPath)." };
        var validate = new Command("validate", "Check every mapping file (YAML, known code systems, UCUM units, ranges, every clinic code covered) and every profile in profiles/; exit 1 with file:line messages when broken.") { folder };
        validate.SetAction(async (parse, _) =>
        {
            var (configuration, baseDirectory) = CheckedConfiguration(parse.GetValue(CommonOptions.Config));
            var path = MappingsFolder(parse.GetValue(folder), configuration, baseDirectory);
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

            var validator = await FirelyResourceValidator.ForMappingsAsync(path);
            var profileProblems = validator.CheckProfiles();
            foreach (var problem in profileProblems)
            {
                await Console.Error.WriteLineAsync(Path.Combine(validator.ProfilesDirectory, problem));
            }

            var profiles = Directory.Exists(validator.ProfilesDirectory) ? Directory.GetFiles(validator.ProfilesDirectory, "*.json").Length : 0;
            await Console.Out.WriteLineAsync(
                $"mappings validate: {rules.Measures.Count} measures, {rules.Panels.Count} panels, {rules.Derived.Count} derived, {rules.Treatments.Count} treatments, {rules.Diagnoses.Count} diagnoses, " +
                $"{rules.BodySites.Count} body sites, {profiles} profiles; {(uncovered.Count == 0 ? "every clinic code is covered" : uncovered.Count + " clinic codes not covered")}; " +
                $"{(profileProblems.Count == 0 ? "every profile is sound" : profileProblems.Count + " profile problems")} (fingerprint {rules.Fingerprint[..12]})");
            return uncovered.Count == 0 && profileProblems.Count == 0 ? 0 : 1;
        });
        var output = new Option<DirectoryInfo?>("--out", "-o") { Description = "Where to write the CodeSystem JSON files (default: <mappings>/codesystems)." };
        var codeSystems = new Command("codesystems", "Write the clinic's own CodeSystems (FHIR JSON), made from the mapping rules, for registries to validate against.") { folder, output };
        codeSystems.SetAction(async (parse, ct) =>
        {
            var (configuration, baseDirectory) = CheckedConfiguration(parse.GetValue(CommonOptions.Config));
            var path = MappingsFolder(parse.GetValue(folder), configuration, baseDirectory);
            var target = parse.GetValue(output)?.FullName ?? Path.Combine(path, "codesystems");
            Directory.CreateDirectory(target);
            foreach (var system in ClinicCodeSystemFactory.Create(MappingSetLoader.Load(path)))
            {
                await File.WriteAllTextAsync(Path.Combine(target, system.Id + ".json"), FhirJson.Serialize(system, indented: true) + "\n", ct);
                await Console.Out.WriteLineAsync($"{system.Id}.json: {system.Concept.Count} codes");
            }

            return 0;
        });
        var export = new Option<DirectoryInfo?>("--export", "-e") { Description = "The clinic export to measure on (default: Clinic:ExportPath)." };
        var report = new Option<FileInfo?>("--out", "-o") { Description = "Write the report (Markdown) to this file (default: standard output)." };
        var coverage = new Command("coverage", "Map and validate a whole export without sending: per clinic code its target code, how often the export uses it, and whether its resources validate. Exit 1 when any resource is invalid.") { folder, export, report };
        coverage.SetAction(async (parse, ct) =>
        {
            var (configuration, baseDirectory) = CheckedConfiguration(parse.GetValue(CommonOptions.Config));
            var path = MappingsFolder(parse.GetValue(folder), configuration, baseDirectory);
            var exportPath = parse.GetValue(export)?.FullName ?? (configuration["Clinic:ExportPath"] is { Length: > 0 } configured ? Path.GetFullPath(configured, baseDirectory) : null);
            if (exportPath is null)
            {
                await Console.Error.WriteLineAsync("mndfhir: name the export with --export FOLDER (or set Clinic:ExportPath).");
                return ExitCodes.Usage;
            }

            if (!Directory.Exists(exportPath))
            {
                throw new DirectoryNotFoundException($"--export: the folder {exportPath} does not exist.");
            }

            var identity = new ClinicIdentity(configuration["Clinic:IdentifierSystem"] ?? new ClinicOptions().IdentifierSystem);
            var result = await MappingCoverage.BuildAsync(
                MappingSetLoader.Load(path), identity, await FirelyResourceValidator.ForMappingsAsync(path), exportPath, Path.GetRelativePath(Environment.CurrentDirectory, exportPath), ct);
            var markdown = result.ToMarkdown();
            if (parse.GetValue(report) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, markdown, ct);
            }
            else
            {
                await Console.Out.WriteAsync(markdown);
            }

            foreach (var row in result.NotExercised)
            {
                await Console.Error.WriteLineAsync($"coverage: {row.Kind} {row.Code} is not used by the export");
            }

            await Console.Error.WriteLineAsync($"coverage: {result.Resources} resources, {result.Invalid} invalid, {result.NotExercised.Count()} codes not in the export, {result.Rejected} rows rejected");
            return result.Invalid == 0 ? 0 : 1;
        });
        return new Command("mappings", "Work with the mapping rules.") { validate, codeSystems, coverage };
    }

    /// <summary>
    /// The configuration (--config, else ./mndfhir.json), checked as every other command checks it
    /// (<see cref="ConfigurationCheck"/>: unknown keys, values, folders; one line naming the key, exit 2). Without a
    /// configuration file the defaults stand (a mappings folder found above this folder or the program's), so mappings
    /// can be validated with --mappings alone.
    /// </summary>
    private static (IConfiguration Configuration, string BaseDirectory) CheckedConfiguration(FileInfo? config)
    {
        var (configuration, baseDirectory) = CliContext.LoadConfiguration(config);
        if (config is not null || File.Exists("mndfhir.json"))
        {
            ConfigurationCheck.Ensure(configuration, baseDirectory, ServiceConfiguration.Sections);
        }

        return (configuration, baseDirectory);
    }

    /// <summary>The mappings folder: --mappings, else Clinic:MappingsPath; one that does not exist is a usage error naming where it came from.</summary>
    private static string MappingsFolder(DirectoryInfo? given, IConfiguration configuration, string baseDirectory)
    {
        if (given is not null)
        {
            return given.Exists ? given.FullName : throw new DirectoryNotFoundException($"--mappings: the folder {given.FullName} does not exist.");
        }

        var path = Path.GetFullPath(configuration["Clinic:MappingsPath"] ?? "mappings", baseDirectory);
        return File.Exists(Path.Combine(path, "settings.yaml"))
            ? path
            : throw new ConfigurationException($"Clinic:MappingsPath: {path} is not a mappings folder (no settings.yaml there); name one with --mappings FOLDER or in the configuration.");
    }
}
