namespace MndFhir.Mapping;

/// <summary>One element of a mapped resource: the element, the clinic column(s) it came from, and the rule that made it.</summary>
/// <param name="Element">The FHIR element, as a path inside the resource (code, valueQuantity, extension[procedure-route]).</param>
/// <param name="Input">The clinic columns and their values, as "column=value".</param>
/// <param name="Rule">Where the rule lives: a mapping file and line, a profile, a setting, or "built-in" with what it does.</param>
public sealed record TraceEntry(string Element, string Input, string Rule);

/// <summary>
/// Collects, while a resource is mapped, which rule produced each element (<c>mndfhir map --explain</c>). The mappers
/// call it through a null-conditional, so when nobody asks for an explanation nothing is built.
/// </summary>
public sealed class MappingTrace
{
    private readonly List<TraceEntry> _entries = [];

    public IReadOnlyList<TraceEntry> Entries => _entries;

    public void Add(string element, string input, string rule) => _entries.Add(new TraceEntry(element, input, rule));
}
