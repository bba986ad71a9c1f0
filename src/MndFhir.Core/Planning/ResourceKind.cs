namespace MndFhir.Planning;

/// <summary>Which mapping rule made a planned resource.</summary>
public enum ResourceKind
{
    Patient,

    /// <summary>The MND Condition of a patient row.</summary>
    Condition,

    /// <summary>The Procedure of a treatment row.</summary>
    Procedure,

    /// <summary>The Observation of an assessment row.</summary>
    Observation,

    /// <summary>The panel Observation of one questionnaire administration (the rows of one panel_id).</summary>
    Panel,

    /// <summary>An Observation derived from an assessment row (ALSFRS-R progression rate).</summary>
    Derived,
}
