using MndFhir.Pseudonymisation;

namespace MndFhir.Planning;

/// <summary>
/// What one destination receives of the planned resources: the hospital MRN under its identifier system (if any), and,
/// for a pseudonymised registry, the <see cref="Pseudonymisation.Pseudonymiser"/> that replaces every clinic id.
/// </summary>
public sealed record PlanTarget(string? MrnSystem, Pseudonymiser? Pseudonymiser = null)
{
    public static readonly PlanTarget Clinic = new(MrnSystem: null);
}
