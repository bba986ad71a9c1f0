using System.Security.Cryptography;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MndFhir.Mapping;

/// <summary>
/// Loads and checks <c>mappings/</c>: <c>settings.yaml</c> (canonical base, code system aliases) and every other
/// <c>*.yaml</c> file below the folder, each holding any of the lists <c>measures</c>, <c>panels</c>,
/// <c>treatments</c>, <c>diagnoses</c>, <c>bodySites</c>, <c>onsetRegions</c>, <c>cellTypes</c>.
/// Every problem is collected with its file and line; any problem makes the whole set unusable.
/// </summary>
public static class MappingSetLoader
{
    /// <summary>UCUM unit codes that mapping files may use as canonical units.</summary>
    public static readonly IReadOnlySet<string> KnownUcumUnits = new HashSet<string>(StringComparer.Ordinal)
    {
        "L", "mL", "%", "kg", "g", "[lb_av]", "[lbf_av]", "h/d", "mg/d", "/h", "/min", "/wk", "deg", "{score}", "{score}/mo", "1", "cm", "mm[Hg]",
    };

    private static readonly string[] Categories = ["survey", "vital-signs", "exam", "procedure", "activity", "therapy", "laboratory", "imaging", "social-history"];

    public static MappingSet Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new MappingLoadException([new MappingProblem(directory, 0, "mappings folder not found")]);
        }

        var problems = new List<MappingProblem>();
        var files = Directory.EnumerateFiles(directory, "*.yaml", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .ToList();
        var settingsPath = Path.Combine(directory, "settings.yaml");
        if (!File.Exists(settingsPath))
        {
            throw new MappingLoadException([new MappingProblem(settingsPath, 0, "settings.yaml is missing")]);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var roots = new List<(string Name, YamlMappingNode Root)>();
        foreach (var path in files)
        {
            var name = Path.GetRelativePath(directory, path).Replace('\\', '/');
            var text = File.ReadAllText(path);
            hash.AppendData(Encoding.UTF8.GetBytes(name + "\n" + text + "\n"));
            var root = Parse(name, text, problems);
            if (root is not null)
            {
                roots.Add((name, root));
            }
        }

        var settings = roots.FirstOrDefault(r => r.Name == "settings.yaml").Root;
        if (settings is null || problems.Count > 0)
        {
            // A file that does not parse would make every cross-reference check misleading: report the parse errors alone.
            throw new MappingLoadException(problems);
        }

        var settingsReader = new MappingFileReader("settings.yaml", new Dictionary<string, string>(), problems);
        var canonicalBase = settingsReader.String(settings, "canonicalBase", required: true)?.TrimEnd('/') ?? "https://invalid";
        var systems = new Dictionary<string, string>(settingsReader.StringMap(settings, "systems"), StringComparer.Ordinal);
        foreach (var clinic in new[] { ClinicCodeSystems.Measure, ClinicCodeSystems.Treatment, ClinicCodeSystems.BodySite, ClinicCodeSystems.Diagnosis, ClinicCodeSystems.OnsetRegion, ClinicCodeSystems.CellType, ClinicCodeSystems.CellSource })
        {
            systems.TryAdd(clinic, $"{canonicalBase}/CodeSystem/{clinic}");
        }

        foreach (var (alias, uri) in systems)
        {
            if (!Uri.TryCreate(uri, UriKind.Absolute, out _))
            {
                problems.Add(new MappingProblem("settings.yaml", settings.Start.Line, $"system '{alias}' must be an absolute URI, not '{uri}'"));
            }
        }

        var builder = new MappingSetBuilder();
        foreach (var (name, root) in roots.Where(r => r.Name != "settings.yaml"))
        {
            builder.Read(new MappingFileReader(name, systems, problems), root);
        }

        var profilesFolder = Path.Combine(directory, "profiles");
        var profiles = Directory.Exists(profilesFolder)
            ? Directory.EnumerateFiles(profilesFolder, "*.json").Select(Path.GetFileNameWithoutExtension).OfType<string>().ToHashSet(StringComparer.Ordinal)
            : [];
        builder.CheckReferences(problems, profiles);
        if (problems.Count > 0)
        {
            throw new MappingLoadException(problems);
        }

        return builder.Build(canonicalBase, systems, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    internal static bool IsKnownCategory(string category) => Categories.Contains(category, StringComparer.Ordinal);

    private static YamlMappingNode? Parse(string name, string text, List<MappingProblem> problems)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0)
            {
                problems.Add(new MappingProblem(name, 1, "the file is empty"));
                return null;
            }

            if (stream.Documents[0].RootNode is YamlMappingNode root)
            {
                return root;
            }

            problems.Add(new MappingProblem(name, stream.Documents[0].RootNode.Start.Line, "the file must be a YAML mapping at the top level"));
            return null;
        }
        catch (YamlException ex)
        {
            problems.Add(new MappingProblem(name, ex.Start.Line, "not valid YAML: " + ex.Message));
            return null;
        }
    }
}
