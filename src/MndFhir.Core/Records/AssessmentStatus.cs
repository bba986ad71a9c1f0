namespace MndFhir.Records;

public enum AssessmentStatus
{
    Final,
    Amended,
    EnteredInError,
}
