using System.Globalization;
using System.Text;

namespace MndFhir.Validation.Coverage;

/// <summary>The coverage of the clinic's vocabulary by the mappings, measured on one export.</summary>
public sealed class CoverageReport
{
    public required string Export { get; init; }

    public required IReadOnlyList<CoverageRow> Rows { get; init; }

    public int Patients { get; init; }

    public int Treatments { get; init; }

    public int Assessments { get; init; }

    /// <summary>Export rows the intake rules reject (they are never mapped).</summary>
    public int Rejected { get; init; }

    public int Resources { get; init; }

    public int Invalid { get; init; }

    public IEnumerable<CoverageRow> NotExercised => Rows.Where(r => r.Rows == 0);

    public string ToMarkdown()
    {
        var n = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("# Mapping coverage");
        text.AppendLine();
        text.AppendLine("Made by `mndfhir mappings coverage`; do not edit by hand. Every clinic code of the intake contract, the");
        text.AppendLine("standard code it maps to (\"clinic only\" where terminology.md verifies none: the clinic's own CodeSystem in");
        text.AppendLine("`mappings/codesystems/`), how many export rows use it, and whether the resources made from it validate");
        text.AppendLine("against FHIR R4 and the profiles in `mappings/profiles/` (Firely validator).");
        text.AppendLine();
        text.AppendLine(string.Create(n, $"Export `{Export}`: {Patients:N0} patients, {Treatments:N0} treatments, {Assessments:N0} assessments, {Rejected:N0} rows rejected by intake."));
        text.AppendLine(string.Create(n, $"Resources mapped and validated: {Resources:N0}; invalid: {Invalid:N0}; codes not in the export: {NotExercised.Count()}."));
        foreach (var kind in Rows.Select(r => r.Kind).Distinct())
        {
            text.AppendLine();
            text.AppendLine($"## {char.ToUpperInvariant(kind[0])}{kind[1..]}");
            text.AppendLine();
            text.AppendLine("| Clinic code | Display | Target | Unit | Export rows | Resources | Status |");
            text.AppendLine("|---|---|---|---|---:|---:|---|");
            foreach (var row in Rows.Where(r => r.Kind == kind))
            {
                text.AppendLine(string.Create(n, $"| `{row.Code}` | {row.Display} | {row.Target} | {(row.Unit is null ? string.Empty : "`" + row.Unit + "`")} | {row.Rows:N0} | {row.Resources:N0} | {row.Status} |"));
            }
        }

        var problems = Rows.Where(r => r.FirstProblem is not null).ToList();
        if (problems.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("## First problem per code");
            text.AppendLine();
            foreach (var row in problems)
            {
                text.AppendLine($"- `{row.Code}`: {row.FirstProblem}");
            }
        }

        return text.ToString();
    }
}
