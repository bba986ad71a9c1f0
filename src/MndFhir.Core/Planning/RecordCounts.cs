namespace MndFhir.Planning;

/// <summary>How many records of each kind a source holds: enough to tell how many resources a plan makes.</summary>
public sealed record RecordCounts(long Patients, long Treatments, long Assessments, long Panels, long DerivedSources);
