using Hl7.Fhir.Model;

namespace MndFhir.Validation;

/// <summary>The outcome of validating one resource: its issues as an OperationOutcome, and whether any is an error.</summary>
public sealed class ValidationReport(OperationOutcome outcome)
{
    public static ValidationReport Valid { get; } = new(new OperationOutcome());

    /// <summary>The validator's issues: severity, code, the element (FHIRPath in expression) and the rule broken.</summary>
    public OperationOutcome Outcome { get; } = outcome;

    public IEnumerable<OperationOutcome.IssueComponent> Errors => Outcome.Issue.Where(IsError);

    public IEnumerable<OperationOutcome.IssueComponent> Warnings => Outcome.Issue.Where(i => i.Severity == OperationOutcome.IssueSeverity.Warning);

    public bool IsValid => !Outcome.Issue.Any(IsError);

    /// <summary>One line per issue: "error Observation.value[x]: text", as operators and developers read them.</summary>
    public IEnumerable<string> Lines(bool includeWarnings = false) =>
        Outcome.Issue
            .Where(i => IsError(i) || (includeWarnings && i.Severity == OperationOutcome.IssueSeverity.Warning))
            .Select(Line);

    public static string Line(OperationOutcome.IssueComponent issue) =>
        $"{issue.Severity?.ToString().ToLowerInvariant() ?? "error"} {string.Join(", ", issue.Expression.DefaultIfEmpty("(resource)"))}: {issue.Details?.Text ?? issue.Diagnostics ?? issue.Code?.ToString()}";

    private static bool IsError(OperationOutcome.IssueComponent issue) =>
        issue.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal;
}
