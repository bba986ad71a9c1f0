using System.Collections;
using System.Text.Json;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.FhirPath;
using Hl7.FhirPath.Expressions;

namespace MndFhir.Validation.FastPath;

/// <summary>
/// The invariants of the project's own profiles (the FHIRPath constraints with severity error in the profiles folder),
/// compiled once and checked on every resource the fast path answers for (docs/decisions/0016). A shape keeps only what
/// the core specification's invariants compare; a project profile may compare free values too (mnd-course-1: session
/// number &lt;= planned sessions), so its invariants are checked per record, not per shape.
/// <para>
/// Each invariant is checked on more nodes than the Firely validator may apply it to, never fewer: a resource profile's
/// on every resource of its type (the root and contained ones, claimed or not), an extension profile's on every extension
/// with its url or the url of a profile derived from it, any other profile's on every element of its type. An invariant
/// that does not hold (or cannot be evaluated) only sends the resource to the full validator, whose verdict stands.
/// </para>
/// </summary>
public sealed partial class ProfileInvariants
{
    private static readonly FhirPathCompiler Compiler = new(new SymbolTable().AddStandardFP().AddFhirExtensions());

    private readonly List<Invariant> _invariants;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Invariant[]> _applicable = new(StringComparer.Ordinal);

    private ProfileInvariants(List<Invariant> invariants, IReadOnlyList<string> problems)
    {
        _invariants = invariants;
        Problems = problems;
    }

    /// <summary>Invariants that could not be read or compiled: while there is one, the fast path is off (everything goes to the full validator).</summary>
    public IReadOnlyList<string> Problems { get; }

    public static ProfileInvariants Load(string profilesDirectory)
    {
        var profiles = new List<(string Url, string Type, string? Base, JsonElement Root)>();
        var problems = new List<string>();
        var documents = new List<JsonDocument>();
        IEnumerable<string> files = Directory.Exists(profilesDirectory) ? Directory.GetFiles(profilesDirectory, "*.json").Order(StringComparer.Ordinal) : [];
        foreach (var file in files)
        {
            try
            {
                var json = JsonDocument.Parse(File.ReadAllBytes(file));
                documents.Add(json);
                var root = json.RootElement;
                if (Text(root, "resourceType") == "StructureDefinition" && Text(root, "url") is { } url && Text(root, "type") is { } type)
                {
                    profiles.Add((url, type, Text(root, "baseDefinition"), root));
                }
            }
            catch (JsonException ex)
            {
                // mappings validate reports the file; here it only means nothing can be vouched for.
                problems.Add($"{Path.GetFileName(file)}: {ex.Message}");
            }
        }

        var invariants = new List<Invariant>();
        foreach (var profile in profiles)
        {
            // The urls this profile's constraints reach: its own and those of the profiles in the folder derived from it.
            var urls = profiles.Where(p => DerivesFrom(p.Url, profile.Url, profiles)).Select(p => p.Url).ToHashSet(StringComparer.Ordinal);
            foreach (var element in Elements(profile.Root))
            {
                var path = Text(element, "path") ?? string.Empty;
                if (!element.TryGetProperty("constraint", out var constraints) || constraints.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var constraint in constraints.EnumerateArray())
                {
                    var key = Text(constraint, "key") ?? "?";
                    if (Text(constraint, "severity") is "warning")
                    {
                        continue; // a warning never makes a resource invalid
                    }

                    try
                    {
                        var expression = Text(constraint, "expression") ?? throw new InvalidOperationException("no expression");
                        var relative = Relative(path, profile.Type);
                        var compiled = Compiler.Compile(expression); // one that does not compile turns the fast path off
                        if (AsksOnlyWhatIsThere(expression))
                        {
                            continue;
                        }

                        invariants.Add(new Invariant(
                            $"{profile.Url}#{key}",
                            profile.Type,
                            profile.Type == "Extension" ? urls : null,
                            ModelInfo.IsKnownResource(profile.Type),
                            relative.Length == 0 ? null : Compiler.Compile(relative),
                            compiled,
                            ComparedWithText(expression)?.Select(o => (o, Compiler.Compile(o))).ToArray()));
                    }
                    catch (Exception ex)
                    {
                        problems.Add($"{profile.Url} {key}: {ex.Message}");
                    }
                }
            }
        }

        documents.ForEach(d => d.Dispose());
        return new ProfileInvariants(invariants, problems);
    }

    /// <summary>
    /// Whether every invariant holds on every node it may apply to in <paramref name="resource"/>, of shape
    /// <paramref name="shapeKey"/>: which invariants can apply (their type, their extension's url) is the shape's, and
    /// is found once per shape.
    /// </summary>
    public bool Hold(Resource resource, string shapeKey)
    {
        if (_invariants.Count == 0)
        {
            return true;
        }

        try
        {
            var applicable = _applicable.GetOrAdd(shapeKey, static (_, state) => state.Invariants.Applicable(state.Resource), (Invariants: this, Resource: resource));
            if (applicable.Length == 0)
            {
                return true;
            }

            var context = new FhirEvaluationContext();
            return applicable.All(invariant => Targets(resource, invariant, context).All(target => invariant.Expression.Predicate(target, context)));
        }
        catch (Exception)
        {
            // An expression the evaluator cannot answer here: the full validator decides.
            return false;
        }
    }

    /// <summary>The invariants to check per record on the resources of this one's shape.</summary>
    private Invariant[] Applicable(Resource resource)
    {
        var context = new FhirEvaluationContext();
        return _invariants.Where(i => Contexts(resource, i).Any() && !ComparesOnlyKeptValues(resource, i, context)).ToArray();
    }

    /// <summary>
    /// Whether, in this resource (and so in every resource of its shape), each element the invariant compares with a text
    /// is a value the shape keeps (a code, a uri and kin, a boolean, a Quantity's unit) or not a primitive at all: the
    /// comparisons then come out alike for the whole shape, and the shape's verdict answers the invariant.
    /// </summary>
    private static bool ComparesOnlyKeptValues(Resource resource, Invariant invariant, FhirEvaluationContext context)
    {
        if (invariant.ComparedWithText is not { } operands)
        {
            return false;
        }

        foreach (var target in Targets(resource, invariant, context))
        {
            foreach (var (text, operand) in operands)
            {
                foreach (var compared in operand(target.ToPocoNode(), context).Select(n => n.Poco))
                {
                    var kept = compared is not PrimitiveType
                        || compared is Code or FhirUri or FhirUrl or Canonical or Oid or Uuid or FhirBoolean
                        || (compared is FhirString && text.EndsWith(".unit", StringComparison.Ordinal));
                    if (!kept)
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    /// <summary>The nodes an invariant is evaluated on: its contexts in the resource, or what its element path selects in them.</summary>
    private static IEnumerable<Base> Targets(Resource resource, Invariant invariant, FhirEvaluationContext context) =>
        Contexts(resource, invariant).SelectMany(node => invariant.Path is null ? [node] : invariant.Path(node.ToPocoNode(), context).Select(n => n.Poco));

    /// <summary>
    /// The element paths an expression compares with a text literal (<c>path = 'text'</c>, <c>!=</c>, <c>~</c>, <c>!~</c>,
    /// either way round), when, those comparisons aside, it only asks which elements are there and each path only
    /// navigates: the expression's value then depends on the compared elements' values alone. Null for any other.
    /// </summary>
    public static IReadOnlyList<string>? ComparedWithText(string expression)
    {
        var literals = new List<string>();
        var code = StringLiteral().Replace(expression, m =>
        {
            literals.Add(m.Value);
            return $"§{literals.Count - 1}§";
        });
        var operands = new List<string>();
        var rest = ComparisonWithText().Replace(code, m =>
        {
            operands.Add(m.Groups["left"].Success ? m.Groups["left"].Value : m.Groups["right"].Value);
            return "x.exists()";
        });
        string Restore(string text) => Placeholder().Replace(text, m => literals[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)]);
        var restored = operands.Select(Restore).ToList();
        return operands.Count > 0 && AsksOnlyWhatIsThere(Restore(rest)) && restored.All(AsksOnlyWhatIsThere) ? restored : null;
    }

    private static IEnumerable<Base> Contexts(Resource resource, Invariant invariant)
    {
        if (invariant.IsResource)
        {
            if (resource.TypeName == invariant.Type)
            {
                yield return resource;
            }

            foreach (var contained in (resource as DomainResource)?.Contained ?? [])
            {
                if (contained.TypeName == invariant.Type)
                {
                    yield return contained;
                }
            }

            yield break;
        }

        foreach (var node in Descendants(resource))
        {
            // Any other type: its instances and those of its specialisations (a Quantity profile's on Age and Duration too).
            if (invariant.Urls is { } urls ? node is Extension e && e.Url is { } url && urls.Contains(url) : node.TypeName == invariant.Type || invariant.Class?.IsInstanceOfType(node) == true)
            {
                yield return node;
            }
        }
    }

    private static IEnumerable<Base> Descendants(Base node)
    {
        foreach (var (_, value) in node.EnumerateElements())
        {
            if (value is Base child)
            {
                yield return child;
                foreach (var deeper in Descendants(child))
                {
                    yield return deeper;
                }
            }
            else if (value is IEnumerable list and not string)
            {
                foreach (var item in list)
                {
                    if (item is Base element)
                    {
                        yield return element;
                        foreach (var deeper in Descendants(element))
                        {
                            yield return deeper;
                        }
                    }
                }
            }
        }
    }

    /// <summary>"Observation.component.value[x]" of type Observation as "component.value"; the root as "".</summary>
    private static string Relative(string path, string type)
    {
        var parts = path.Split('.');
        if (parts[0] != type)
        {
            throw new InvalidOperationException($"path {path} is not of type {type}");
        }

        return string.Join('.', parts.Skip(1).Select(p => p.EndsWith("[x]", StringComparison.Ordinal) ? p[..^3] : p));
    }

    private static IEnumerable<JsonElement> Elements(JsonElement root)
    {
        // The profile's own constraints are in its differential; what it inherits from a profile in the folder is that
        // profile's, checked on this one's resources and extensions too (see Contexts); the core's are the shape's.
        if (root.TryGetProperty("differential", out var differential) && differential.TryGetProperty("element", out var elements) && elements.ValueKind == JsonValueKind.Array)
        {
            foreach (var element in elements.EnumerateArray())
            {
                yield return element;
            }
        }
    }

    private static bool DerivesFrom(string url, string ancestor, List<(string Url, string Type, string? Base, JsonElement Root)> profiles)
    {
        for (var (current, hops) = (url, 0); current is not null && hops <= profiles.Count; hops++)
        {
            if (current == ancestor)
            {
                return true;
            }

            current = profiles.FirstOrDefault(p => p.Url == current).Base!;
        }

        return false;
    }

    /// <summary>A string property of a JSON object, or null.</summary>
    internal static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed record Invariant(
        string Name, string Type, IReadOnlySet<string>? Urls, bool IsResource, CompiledExpression? Path, CompiledExpression Expression,
        (string Text, CompiledExpression Path)[]? ComparedWithText)
    {
        /// <summary>The model class of <see cref="Type"/>, when it has one.</summary>
        public Type? Class { get; } = ModelInfo.GetTypeForFhirType(Type);
    }

    /// <summary>A navigation path compared with a text literal, on either side: <c>a.ofType(Quantity).system = ''</c>.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<left>(?<![A-Za-z0-9_.)§])[A-Za-z_][A-Za-z0-9_]*(?:\([^()]*\))?(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\([^()]*\))?)*)\s*(?:!=|=|!~|~)\s*§\d+§|§\d+§\s*(?:!=|=|!~|~)\s*(?<right>[A-Za-z_][A-Za-z0-9_]*(?:\([^()]*\))?(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\([^()]*\))?)*)")]
    private static partial System.Text.RegularExpressions.Regex ComparisonWithText();

    [System.Text.RegularExpressions.GeneratedRegex("§([0-9]+)§")]
    private static partial System.Text.RegularExpressions.Regex Placeholder();

    /// <summary>
    /// Whether an expression only asks which elements are there (navigation, exists, empty, not, ofType, extension(url),
    /// and, or, xor, implies): the shape keeps every element present, so the shape's verdict already answers it and it
    /// need not be checked per record. Anything else (a comparison, arithmetic, any other function) is checked.
    /// </summary>
    public static bool AsksOnlyWhatIsThere(string expression)
    {
        var code = StringLiteral().Replace(expression, "''");
        if (code.IndexOfAny(['=', '<', '>', '~', '+', '-', '*', '/', '|', '&', '[', '$', '%', '{', '@', '`']) >= 0)
        {
            return false;
        }

        foreach (System.Text.RegularExpressions.Match call in FunctionCall().Matches(code))
        {
            // "a implies (b)": an operator before a parenthesis, not a call.
            if (call.Groups[1].Value is not ("exists" or "empty" or "not" or "ofType" or "extension" or "and" or "or" or "xor" or "implies"))
            {
                return false;
            }
        }

        return Word().Matches(code).All(w => w.Value is "and" or "or" or "xor" or "implies" || !Keyword().IsMatch(w.Value));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"'(?:[^'\\]|\\.)*'")]
    private static partial System.Text.RegularExpressions.Regex StringLiteral();

    [System.Text.RegularExpressions.GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)\s*\(")]
    private static partial System.Text.RegularExpressions.Regex FunctionCall();

    [System.Text.RegularExpressions.GeneratedRegex(@"[A-Za-z_][A-Za-z0-9_]*")]
    private static partial System.Text.RegularExpressions.Regex Word();

    /// <summary>FHIRPath's operator keywords other than the boolean ones: any of them makes an expression checked per record.</summary>
    [System.Text.RegularExpressions.GeneratedRegex("^(is|as|in|contains|div|mod|true|false)$")]
    private static partial System.Text.RegularExpressions.Regex Keyword();
}
