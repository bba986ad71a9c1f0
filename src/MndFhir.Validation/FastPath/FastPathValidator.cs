using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;
using MndFhir.Serialization;

namespace MndFhir.Validation.FastPath;

/// <summary>
/// Validation that scales (issue 12; docs/decisions/0010): the mapping fixes each resource's structure and records
/// vary only values, so the full Firely validator judges each <see cref="ResourceShape"/> once and every resource of a
/// known-valid shape is checked only for its free values (<see cref="ValueRules"/>). Whatever the fast path is not sure
/// of goes to the full validator: a new shape, a value the rules doubt, a shape found invalid (its messages are the
/// resource's own, never another record's). A differential test finds the same verdicts as the full validator over
/// the samples, generated and deliberately broken resources. The Firely validator is built only when first needed,
/// and valid shapes are remembered in the database, so a process that meets only known shapes never builds it.
/// </summary>
public sealed partial class FastPathValidator : IResourceValidator
{
    private readonly Func<IResourceValidator> _makeFull;
    private readonly int _releaseAfter;
    private readonly IValidShapeStore? _store;

    /// <summary>Guards <see cref="_idle"/> and <see cref="_held"/>; a full validation waits on it (Monitor) for a free validator.</summary>
    private readonly object _pool = new();

    /// <summary>Full validators built and not in use.</summary>
    private readonly Stack<IResourceValidator> _idle = new();

    /// <summary>How many full validators may exist at once, each used by one thread at a time.</summary>
    private readonly int _maxFull;
    private int _held;
    private int _sinceFull;
    private readonly string _environment;
    private readonly Lazy<IReadOnlyList<(string Type, string Url)>> _profiles;
    private readonly ConcurrentDictionary<string, byte> _valid = new(StringComparer.Ordinal);

    /// <param name="full">Makes the full validator, when first needed.</param>
    /// <param name="profilesDirectory">The profiles the full validator uses: part of every key, so a profile change forgets every verdict.</param>
    /// <param name="releaseAfter">
    /// After this many resources in a row judged without the full validator, it is let go (its cached definitions and
    /// compiled schemas are about 19 MB of live heap after the samples' 319 shapes, and the process keeps about 80 MB
    /// more resident while it is held: bench `memory`), to be built again should a new shape come: a long sync then
    /// runs in the memory of its data alone. Zero keeps it for the life of this instance.
    /// </param>
    /// <param name="fullValidators">
    /// How many full validations may run at once (callers validating in parallel, as <c>ValidationGate</c> does), each
    /// on a Firely validator of its own, built from <paramref name="full"/> when first needed: one Firely validator is
    /// not safe for concurrent use while it loads schemas, separate ones share nothing.
    /// </param>
    public FastPathValidator(Func<IResourceValidator> full, string profilesDirectory, IValidShapeStore? store = null, int releaseAfter = 0, int fullValidators = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fullValidators, 1);
        _makeFull = full;
        _maxFull = fullValidators;
        _releaseAfter = releaseAfter;
        _store = store;
        _environment = Environment(profilesDirectory);
        _profiles = new(() => ResourceProfiles(profilesDirectory));
        _invariants = ProfileInvariants.Load(profilesDirectory);
        Enabled = !ProfilesBoundFreeValues(profilesDirectory) && _invariants.Problems.Count == 0;
    }

    /// <summary>
    /// False when a profile bounds a value the shape leaves free (minValue, maxValue, maxLength, a fixed or pattern
    /// integer), or has an invariant that cannot be compiled: the value rules do not know those bounds, so every resource
    /// then goes to the full validator.
    /// </summary>
    public bool Enabled { get; }

    /// <summary>The project profiles' invariants, checked on every resource of a known-valid shape.</summary>
    private readonly ProfileInvariants _invariants;

    /// <summary>How many resources the full validator judged (new shapes, doubtful values, invalid shapes).</summary>
    public int FullValidations => _fullValidations;

    private int _fullValidations;

    public ValidationReport Validate(Resource resource)
    {
        if (!Enabled)
        {
            return Full(resource);
        }

        var shape = ResourceShape.Of(resource);
        if (!ValueRules.AllClean(shape))
        {
            return Full(resource);
        }

        // In memory the shape key alone (one environment per instance); in the store, with the environment.
        if (_valid.ContainsKey(shape.Key))
        {
            return Known(resource, shape.Key);
        }

        var key = FhirJson.Hash(_environment + "\n" + shape.Key);
        if (_store?.Contains(key) == true)
        {
            _valid.TryAdd(shape.Key, 0);
            return Known(resource, shape.Key);
        }

        var report = Full(resource);
        if (report.IsValid && _valid.TryAdd(shape.Key, 0))
        {
            _store?.Add(key);
        }

        return report;
    }

    public ValidationReport Validate(Resource resource, string contentHash) => Validate(resource);

    /// <summary>Whether a full validator is built now (they are built when first needed and let go when idle).</summary>
    public bool FullValidatorHeld => Volatile.Read(ref _held) > 0;

    /// <summary>How many full validators are built now, or being built.</summary>
    public int FullValidatorsHeld => Volatile.Read(ref _held);

    /// <summary>How many full validators are built and free.</summary>
    public int FullValidatorsIdle
    {
        get
        {
            lock (_pool)
            {
                return _idle.Count;
            }
        }
    }

    private ValidationReport Full(Resource resource)
    {
        Interlocked.Increment(ref _fullValidations);
        Volatile.Write(ref _sinceFull, 0);
        var full = Take();
        try
        {
            return full.Validate(resource);
        }
        finally
        {
            lock (_pool)
            {
                _idle.Push(full);
                Monitor.Pulse(_pool);
            }
        }
    }

    /// <summary>
    /// Builds every full validator not built yet, each on a thread of its own. The first is handed over as soon as it is
    /// built; the others first validate an empty resource of each of <paramref name="resourceTypes"/> and of each
    /// project profile on them, which compiles their schemas (results unused). A first sync calls it as it starts: its
    /// first batch then waits for the slower of the build and the rest of the start, not for their sum, and the second
    /// validator is ready, with its schemas, when a second thread needs it (e2e: 15.1 s -> 14.2 s, BENCHMARKS.md).
    /// </summary>
    public void Prepare(IReadOnlyCollection<string> resourceTypes)
    {
        lock (_pool)
        {
            // The first is handed over as soon as it is built (the first batch needs it at once and compiles what it
            // meets); the others compile the schemas first, for the threads that join later.
            var first = true;
            while (_held < _maxFull)
            {
                _held++;
                IReadOnlyCollection<string> warm = first ? [] : resourceTypes;
                first = false;
                _ = System.Threading.Tasks.Task.Run(() => BuildWarm(warm));
            }
        }
    }

    private void BuildWarm(IReadOnlyCollection<string> resourceTypes)
    {
        IResourceValidator full;
        try
        {
            full = _makeFull();
            foreach (var empty in WarmUp(resourceTypes))
            {
                full.Validate(empty);
            }
        }
        catch (Exception)
        {
            // Nothing is lost: the first validation that needs a validator builds one and reports what fails.
            NotBuilt();
            return;
        }

        lock (_pool)
        {
            _idle.Push(full);
            Monitor.Pulse(_pool);
        }
    }

    /// <summary>An empty resource of each type, and of each project profile constraining one of them.</summary>
    private IEnumerable<Resource> WarmUp(IReadOnlyCollection<string> resourceTypes)
    {
        foreach (var type in resourceTypes)
        {
            if (Hl7.Fhir.Model.ModelInfo.GetTypeForFhirType(type) is not { } poco)
            {
                continue;
            }

            yield return (Resource)Activator.CreateInstance(poco)!;
            foreach (var profile in _profiles.Value.Where(p => p.Type == type))
            {
                var constrained = (Resource)Activator.CreateInstance(poco)!;
                constrained.Meta = new Meta { Profile = [profile.Url] };
                yield return constrained;
            }
        }
    }

    /// <summary>An idle full validator, else a new one while fewer than the maximum exist, else the first to be free.</summary>
    private IResourceValidator Take()
    {
        lock (_pool)
        {
            while (true)
            {
                if (_idle.TryPop(out var idle))
                {
                    return idle;
                }

                if (_held < _maxFull)
                {
                    _held++;
                    break;
                }

                // Every validator is busy with one full validation (milliseconds): wait until one is handed back.
                Monitor.Wait(_pool);
            }
        }

        try
        {
            // Built outside the lock: another thread may validate meanwhile on a validator already built.
            return _makeFull();
        }
        catch
        {
            NotBuilt();
            throw;
        }
    }

    /// <summary>A validator counted in <see cref="_held"/> could not be built: its place is free again for whoever waits.</summary>
    private void NotBuilt()
    {
        lock (_pool)
        {
            _held--;
            Monitor.Pulse(_pool);
        }
    }

    /// <summary>A resource of a known-valid shape: valid when the project profiles' invariants hold on its values too.</summary>
    private ValidationReport Known(Resource resource, string shapeKey)
    {
        if (!_invariants.Hold(resource, shapeKey))
        {
            return Full(resource);
        }

        if (_releaseAfter > 0 && Volatile.Read(ref _held) > 0 && Interlocked.Increment(ref _sinceFull) >= _releaseAfter)
        {
            var released = 0;
            lock (_pool)
            {
                // Only idle validators are let go; one in use goes back to the idle ones and is let go next time.
                while (Volatile.Read(ref _sinceFull) >= _releaseAfter && _idle.TryPop(out var full))
                {
                    (full as IDisposable)?.Dispose();
                    _held--;
                    released++;
                }
            }

            if (released > 0)
            {
                // Give their memory back now, managed and native: the sync that let them go may run for many minutes more.
                FreedMemory.Return();
            }
        }

        return ValidationReport.Valid;
    }

    /// <summary>
    /// The profiles of resources (not of data types or extensions) in the folder: their type and url. Read when
    /// <see cref="Prepare"/> first needs them, not when the validator is made (every sync process makes one).
    /// </summary>
    private static IReadOnlyList<(string Type, string Url)> ResourceProfiles(string profilesDirectory)
    {
        var found = new List<(string, string)>();
        foreach (var file in Directory.Exists(profilesDirectory) ? Directory.GetFiles(profilesDirectory, "*.json") : [])
        {
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(file));
                var root = json.RootElement;
                if (ProfileInvariants.Text(root, "resourceType") == "StructureDefinition" && ProfileInvariants.Text(root, "kind") == "resource"
                    && ProfileInvariants.Text(root, "type") is { } type && ProfileInvariants.Text(root, "url") is { } url)
                {
                    found.Add((type, url));
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // A profile that does not parse is reported by mappings validate; it only goes unwarmed here.
            }
        }

        return found;
    }

    private static bool ProfilesBoundFreeValues(string profilesDirectory) =>
        Directory.Exists(profilesDirectory)
        && Directory.EnumerateFiles(profilesDirectory, "*.json").Any(file =>
        {
            var text = File.ReadAllText(file);
            return text.Contains("\"minValue", StringComparison.Ordinal) || text.Contains("\"maxValue", StringComparison.Ordinal)
                || text.Contains("\"maxLength\"", StringComparison.Ordinal)
                || IntegerFixedOrPattern().IsMatch(text);
        });

    /// <summary>The validator's version, the shape's version and the contents of the profiles folder.</summary>
    private static string Environment(string profilesDirectory)
    {
        var text = new StringBuilder(typeof(Firely.Fhir.Validation.Validator).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion)
            .Append("\nshape ").Append(ResourceShape.Version);
        IEnumerable<string> files = Directory.Exists(profilesDirectory) ? Directory.GetFiles(profilesDirectory, "*.json").Order(StringComparer.Ordinal) : [];
        foreach (var file in files)
        {
            text.Append('\n').Append(Path.GetFileName(file)).Append(' ').Append(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))));
        }

        return FhirJson.Hash(text.ToString());
    }

    /// <summary>A fixed or pattern value of an integer type in a profile: the shape leaves integers free.</summary>
    [System.Text.RegularExpressions.GeneratedRegex("\"(fixed|pattern)(Integer|Integer64|PositiveInt|UnsignedInt)\"")]
    private static partial System.Text.RegularExpressions.Regex IntegerFixedOrPattern();
}
