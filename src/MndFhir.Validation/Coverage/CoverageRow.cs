namespace MndFhir.Validation.Coverage;

/// <summary>
/// One clinic code in the coverage report: what it maps to, how often the export uses it, and whether the resources
/// made from it validate. <see cref="Resources"/> and <see cref="Invalid"/> count the resources whose code this is
/// (zero for codes that only qualify a resource, such as body sites).
/// </summary>
public sealed record CoverageRow(string Kind, string Code, string Display, string Target, string? Unit)
{
    public int Rows { get; set; }

    public int Resources { get; set; }

    public int Invalid { get; set; }

    /// <summary>The first validation error of the first invalid resource, as "Type/id: error element: rule".</summary>
    public string? FirstProblem { get; set; }

    public string Status => Invalid > 0 ? $"{Invalid} invalid" : Rows == 0 ? "not in export" : "ok";
}
