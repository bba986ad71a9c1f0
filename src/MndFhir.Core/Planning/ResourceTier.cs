namespace MndFhir.Planning;

/// <summary>
/// The order in which resources are made and delivered, so that every reference points at a resource the destination
/// already holds: patients first, then what refers to patients only, then observations, then the resources made from
/// observations.
/// </summary>
public enum ResourceTier
{
    Patients = 0,
    ConditionsAndProcedures = 1,
    Observations = 2,

    /// <summary>Questionnaire panels, whose hasMember refers to the item and total Observations.</summary>
    Panels = 3,

    /// <summary>Derived measures (ALSFRS-R progression rate), whose derivedFrom refers to their source Observation.</summary>
    Derived = 4,
}
