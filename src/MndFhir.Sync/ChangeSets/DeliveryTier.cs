namespace MndFhir.Sync.ChangeSets;

/// <summary>
/// Resources are delivered in tiers so that every reference points at a resource the destination already holds:
/// patients first, then what refers to patients only, then observations.
/// </summary>
public enum DeliveryTier
{
    Patients = 0,
    ConditionsAndProcedures = 1,
    Observations = 2,
}
