namespace MndFhir.Intake;

/// <summary>Something an operator should know that did not stop a row: an unknown column, an identical repeated row.</summary>
public sealed record IntakeWarning(string File, long? Line, string Message)
{
    public override string ToString() => Line is { } line ? $"{File}:{line}: {Message}" : $"{File}: {Message}";
}
