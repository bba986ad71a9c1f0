using System.Text.Json;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Hl7.Fhir.Specification.Snapshot;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;
using MndFhir.Serialization;

namespace MndFhir.Validation;

/// <summary>
/// Validates resources offline with the Firely validator against the FHIR R4 core definitions (the specification
/// zip shipped in Hl7.Fhir.Specification.Data.R4) and the project's own StructureDefinitions in mappings/profiles,
/// whose snapshots are generated from their differentials once, when the validator is made. Resources are checked against their
/// resource type and every profile in meta.profile. Thread-safe (validations are serialized, see <c>_gate</c>): one
/// instance serves a whole process.
/// </summary>
public sealed class FirelyResourceValidator : IResourceValidator
{
    private readonly Validator _validator;

    /// <summary>What loading each profile file found (kept for <see cref="CheckProfiles"/>).</summary>
    private readonly IReadOnlyList<ProfileFile> _files;

    /// <summary>
    /// One validation at a time. The Firely validator is not safe for concurrent use while it loads schemas: 2 threads
    /// validating 60 fresh Patients failed 1 round in 30 with "Failed to convert ElementDefinition at code ... Index
    /// was out of range" (a false error). Serial validation costs 1.4x the parallel time on 2 cores (bench).
    /// </summary>
    private readonly Lock _gate = new();

    private FirelyResourceValidator(string profilesDirectory, CoreDefinitions core, IReadOnlyList<ProfileFile> files)
    {
        ProfilesDirectory = profilesDirectory;
        _files = files;
        Core = core;
        var finished = files.Select(f => f.Finished).OfType<StructureDefinition>();
        var resolver = new CachedResolver(new MultiResolver(new InMemoryResourceResolver(finished), core));
        _validator = new Validator(resolver, new LocalTerminologyService(resolver));
    }

    public string ProfilesDirectory { get; }

    /// <summary>Where the core definitions come from (the specification zip, or the folder of them kept as JSON).</summary>
    public CoreDefinitions Core { get; }

    /// <summary>The validator for the profiles under <c>{mappingsDirectory}/profiles</c>.</summary>
    public static FirelyResourceValidator ForMappings(string mappingsDirectory) =>
        Task.Run(() => ForMappingsAsync(mappingsDirectory)).GetAwaiter().GetResult();

    /// <summary>
    /// The snapshot generator is not thread-safe (parallel validation through a SnapshotSource failed with "Invalid
    /// snapshot generator state"), so the snapshots of the project's StructureDefinitions are generated here, once,
    /// and validation reads only finished definitions: the core ones from the specification zip, ours from memory.
    /// </summary>
    public static Task<FirelyResourceValidator> ForMappingsAsync(string mappingsDirectory) =>
        ForMappingsAsync(mappingsDirectory, CoreDefinitions.FolderFor(SpecificationZip));

    /// <param name="mappingsDirectory">The mappings; their profiles are under profiles/.</param>
    /// <param name="coreDefinitionsFolder">Where the core definitions are kept as JSON (<see cref="CoreDefinitions"/>); null reads the specification zip.</param>
    public static async Task<FirelyResourceValidator> ForMappingsAsync(string mappingsDirectory, string? coreDefinitionsFolder)
    {
        var profiles = Path.Combine(mappingsDirectory, "profiles");
        var core = CoreSource(coreDefinitionsFolder);
        var own = new DirectorySource(profiles, new DirectorySourceSettings { IncludeSubDirectories = false });
        var authoring = new CachedResolver(new MultiResolver(own, core));
        var loaded = new List<ProfileFile>();
        IEnumerable<string> files = Directory.Exists(profiles) ? Directory.EnumerateFiles(profiles, "*.json").Order(StringComparer.Ordinal) : [];
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            var problems = new List<string>();

            // A file that does not parse is left out and reported by CheckProfiles (mappings validate); resources
            // claiming its profile then fail validation and are not sent.
            if (!TryRead(await File.ReadAllTextAsync(file), out var sd, out var error))
            {
                loaded.Add(new ProfileFile(name, null, null, [$"{name}: not a valid StructureDefinition: {error}"]));
                continue;
            }

            if (sd.Id + ".json" != name)
            {
                problems.Add($"{name}: id '{sd.Id}' does not match the file name");
            }

            var asWritten = (StructureDefinition)sd.DeepCopy();
            var generator = new SnapshotGenerator(authoring, SnapshotGeneratorSettings.CreateDefault());
            await generator.UpdateAsync(sd);
            problems.AddRange((generator.Outcome?.Issue ?? []).Select(issue => $"{name}: {ValidationReport.Line(issue)}"));

            // The generator passes over a differential element whose path the base does not have (a typo): every
            // constrained path must be in the snapshot, or the constraint is silently lost.
            var paths = sd.Snapshot?.Element.Select(e => e.Path).ToHashSet(StringComparer.Ordinal) ?? [];
            problems.AddRange((sd.Differential?.Element ?? [])
                .Where(element => !paths.Contains(element.Path))
                .Select(element => $"{name}: differential element '{element.ElementId ?? element.Path}' has a path the base definition does not have: {element.Path}"));
            loaded.Add(new ProfileFile(name, asWritten, Detached(sd), problems));
        }

        var validator = new FirelyResourceValidator(profiles, core, loaded);

        // The snapshot generation's definitions (the authoring resolver) are garbage now, and the native memory the
        // runtime used meanwhile is free: give both back before the validator starts its work.
        authoring = null;
        FreedMemory.Return();
        return validator;
    }

    /// <summary>
    /// The FHIR R4 core definitions, each <see cref="Detached{T}"/>: from the folder of <see cref="CoreDefinitions"/>
    /// where it holds them, else from the specification zip (ZipSource.CreateValidationSource) without the files
    /// validation never reads: search parameters, concept maps and the naming system registry (1,451 of the 4,830
    /// entries it indexes).
    /// </summary>
    private static CoreDefinitions CoreSource(string? folder) =>
        new(
            () =>
            {
                var settings = DirectorySourceSettings.CreateDefault();
                settings.Excludes = ["search-parameters.xml", "conceptmaps.xml", "namingsystem-registry.xml"];
                return new ZipSource(SpecificationZip, settings);
            },
            Detached,
            folder);

    /// <summary>The FHIR R4 specification the Firely SDK ships (Hl7.Fhir.Specification.Data.R4).</summary>
    public static string SpecificationZip => Path.Combine(DirectorySource.SpecificationDirectory, "specification.zip");

    public ValidationReport Validate(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        OperationOutcome outcome;
        lock (_gate)
        {
            outcome = _validator.Validate(resource);
        }

        DropFalseRef1(resource, outcome);
        return new ValidationReport(outcome);
    }

    /// <summary>
    /// The Firely validator reports ref-1 ("SHALL have a contained resource if a local reference is provided") on
    /// references that carry only an identifier, such as our Practitioner performers (FirelyTeam/firely-net-sdk#3571,
    /// a recurrence of #2862 and #2941). ref-1 can only be broken by a local reference ("#id") to a missing contained
    /// resource, so the rule is checked here directly and the validator's ref-1 issues are kept only when it is broken.
    /// </summary>
    private static void DropFalseRef1(Resource resource, OperationOutcome outcome)
    {
        if (!outcome.Issue.Any(IsRef1))
        {
            return;
        }

        var contained = (resource as DomainResource)?.Contained.Select(c => c.Id).ToHashSet(StringComparer.Ordinal) ?? [];
        using var json = JsonDocument.Parse(FhirJson.Serialize(resource));
        var dangling = LocalReferences(json.RootElement).Any(r => !contained.Contains(r[1..]));
        if (!dangling)
        {
            outcome.Issue.RemoveAll(IsRef1);
        }
    }

    /// <summary>
    /// A copy of the resource that does not hold the XML it was read from, without its documentation. Firely's ZipSource
    /// parses the specification's XML into POCOs through ITypedElement, and every POCO node keeps a link to its XML node
    /// (an annotation, with a ConcurrentDictionary of its own): the definitions the validator caches held their whole
    /// XML trees, 110 of the 158 MB of live heap after validating all 319 shapes of the samples. Snapshots generated
    /// from those definitions copy the links along with the elements (DeepCopy copies annotations). A JSON round trip
    /// through Firely's POCO serializer makes the same resource with no annotations. What only documents a definition
    /// (narrative, definitions, comments, requirements, mappings to other standards, examples) is dropped: validation
    /// reads none of it (the differential test finds the same verdicts).
    /// </summary>
    private static T Detached<T>(T resource)
        where T : Resource
    {
        var copy = (T)FhirJson.Deserialize<Resource>(FhirJson.Serialize(resource));
        if (copy is DomainResource domain)
        {
            domain.Text = null;
        }

        if (copy is StructureDefinition sd)
        {
            sd.Mapping.Clear();
            foreach (var element in (sd.Snapshot?.Element ?? []).Concat(sd.Differential?.Element ?? []))
            {
                element.Definition = null;
                element.Comment = null;
                element.Requirements = null;
                element.Mapping.Clear();
                element.Example.Clear();
            }
        }

        return copy;
    }

    private static bool TryRead(string json, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StructureDefinition? sd, out string? error)
    {
        try
        {
            sd = FhirJson.Deserialize<StructureDefinition>(json);
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or Hl7.Fhir.Serialization.DeserializationFailedException or FormatException)
        {
            sd = null;
            error = ex.Message;
            return false;
        }
    }

    private static IEnumerable<string> LocalReferences(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == "reference" && property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is ['#', ..] local)
                {
                    yield return local;
                }

                foreach (var found in LocalReferences(property.Value))
                {
                    yield return found;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var found in element.EnumerateArray().SelectMany(LocalReferences))
            {
                yield return found;
            }
        }
    }

    private static bool IsRef1(OperationOutcome.IssueComponent issue) =>
        issue.Details?.Text?.Contains("constraint ref-1 ", StringComparison.Ordinal) == true;

    /// <summary>
    /// What is wrong with the profiles folder, one line per problem naming the file: files that do not parse, ids that
    /// do not match the file name, the snapshot generator's complaints, differential paths the base does not have (all
    /// found when the validator was made), and definitions that are not themselves valid R4 resources.
    /// </summary>
    public IReadOnlyList<string> CheckProfiles() =>
    [
        .. _files.SelectMany(f => f.Problems.Concat(
            f.AsWritten is null ? [] : Validate(f.AsWritten).Lines().Select(line => $"{f.Name}: {line}"))),
    ];

    /// <summary>One file of the profiles folder: as written (differential only), with its snapshot, and its problems.</summary>
    private sealed record ProfileFile(string Name, StructureDefinition? AsWritten, StructureDefinition? Finished, IReadOnlyList<string> Problems);
}
