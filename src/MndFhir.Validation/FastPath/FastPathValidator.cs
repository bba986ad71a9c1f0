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
public sealed class FastPathValidator : IResourceValidator
{
    private readonly Lazy<IResourceValidator> _full;
    private readonly IValidShapeStore? _store;
    private readonly string _environment;
    private readonly ConcurrentDictionary<string, byte> _valid = new(StringComparer.Ordinal);

    /// <param name="full">Makes the full validator, when first needed.</param>
    /// <param name="profilesDirectory">The profiles the full validator uses: part of every key, so a profile change forgets every verdict.</param>
    public FastPathValidator(Func<IResourceValidator> full, string profilesDirectory, IValidShapeStore? store = null)
    {
        _full = new Lazy<IResourceValidator>(full, LazyThreadSafetyMode.ExecutionAndPublication);
        _store = store;
        _environment = Environment(profilesDirectory);
        Enabled = !ProfilesBoundFreeValues(profilesDirectory);
    }

    /// <summary>
    /// False when a profile bounds a value the shape leaves free (minValue, maxValue, maxLength): the value rules do not
    /// know those bounds, so every resource then goes to the full validator.
    /// </summary>
    public bool Enabled { get; }

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

        var key = FhirJson.Hash(_environment + "\n" + shape.Key);
        if (_valid.ContainsKey(key))
        {
            return ValidationReport.Valid;
        }

        if (_store?.Contains(key) == true)
        {
            _valid.TryAdd(key, 0);
            return ValidationReport.Valid;
        }

        var report = Full(resource);
        if (report.IsValid && _valid.TryAdd(key, 0))
        {
            _store?.Add(key);
        }

        return report;
    }

    public ValidationReport Validate(Resource resource, string contentHash) => Validate(resource);

    private ValidationReport Full(Resource resource)
    {
        Interlocked.Increment(ref _fullValidations);
        return _full.Value.Validate(resource);
    }

    private static bool ProfilesBoundFreeValues(string profilesDirectory) =>
        Directory.Exists(profilesDirectory)
        && Directory.EnumerateFiles(profilesDirectory, "*.json").Any(file =>
        {
            var text = File.ReadAllText(file);
            return text.Contains("\"minValue", StringComparison.Ordinal) || text.Contains("\"maxValue", StringComparison.Ordinal)
                || text.Contains("\"maxLength\"", StringComparison.Ordinal);
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
}
