using MndFhir.Identity;
using MndFhir.Mapping;

namespace MndFhir.Planning;

/// <summary>
/// What a destination holds, asked by input hash (decision 0018): given one, the plan hashes each bulk resource's inputs
/// and maps only those whose content the destination does not hold as made from the same inputs. A no-change resync
/// then reads and hashes records without mapping or serializing them.
/// </summary>
public interface IMappingMemo
{
    /// <summary>The hasher, with the epoch of this plan's destination.</summary>
    MappingInputs Inputs { get; }

    /// <summary>Whether the destination holds, as delivered, the content made from inputs hashing <paramref name="inputs"/> under <paramref name="key"/> (the destination's key).</summary>
    bool Holds(ResourceKey key, UInt128 inputs);
}
