namespace MndFhir.Mapping;

/// <summary>How explanations name the rules that are not in a mapping file.</summary>
internal static class TraceRules
{
    public const string Identity = "Clinic:IdentifierSystem (business identifier: {system}/{resource type} | clinic id)";

    public const string Reference = "reference by business identifier, resolved to the destination's id when it holds the target (docs/decisions/0002)";

    public static string Profile(string name) => $"profiles/{name}.json";

    public static string BuiltIn(string what) => "built-in: " + what;
}
