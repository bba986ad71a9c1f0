namespace MndFhir.Records;

/// <summary>The clinic's MND diagnosis codes.</summary>
public enum Diagnosis
{
    /// <summary>Amyotrophic lateral sclerosis.</summary>
    ALS,

    /// <summary>Progressive bulbar palsy.</summary>
    PBP,

    /// <summary>Primary lateral sclerosis.</summary>
    PLS,

    /// <summary>Progressive muscular atrophy.</summary>
    PMA,

    /// <summary>Motor neuron disease, unspecified.</summary>
    MND,
}
