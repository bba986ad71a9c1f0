namespace MndFhir.Mapping;

/// <summary>The mappings cannot be used: every problem found is listed, each with file and line.</summary>
public sealed class MappingLoadException : Exception
{
    public MappingLoadException(IReadOnlyList<MappingProblem> problems)
        : base("The mapping files are invalid:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
    {
        Problems = problems;
    }

    public MappingLoadException()
        : this([])
    {
    }

    public MappingLoadException(string message)
        : base(message)
    {
        Problems = [];
    }

    public MappingLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [];
    }

    public IReadOnlyList<MappingProblem> Problems { get; } = [];
}
