using MndFhir.Identity;

namespace MndFhir.Mapping;

/// <summary>A record that the rules cannot map (it should have been stopped at intake): names the resource and the rule.</summary>
public sealed class MappingException : Exception
{
    public MappingException(ResourceKey key, string message)
        : base($"{key}: {message}")
    {
        Key = key;
    }

    public MappingException()
    {
    }

    public MappingException(string message)
        : base(message)
    {
    }

    public MappingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ResourceKey Key { get; }
}
