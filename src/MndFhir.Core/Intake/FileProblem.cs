namespace MndFhir.Intake;

/// <summary>
/// A problem of a whole export file (<see cref="FileRules"/>): which file, the line where it was found (1 is the header;
/// null when the file as a whole is at fault), the rule, and a message that never repeats cell contents.
/// </summary>
public sealed record FileProblem(string File, long? Line, string Rule, string Message)
{
    public override string ToString() => Line is { } line ? $"{File} line {line}: {Rule}: {Message}" : $"{File}: {Rule}: {Message}";
}
