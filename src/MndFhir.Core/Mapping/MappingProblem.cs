namespace MndFhir.Mapping;

/// <summary>A broken rule in a mapping file, with the place it was found.</summary>
public sealed record MappingProblem(string File, long Line, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Message}";
}
