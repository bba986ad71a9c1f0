namespace MndFhir.Records;

public enum TreatmentStatus
{
    Completed,
    InProgress,
    NotDone,
    EnteredInError,
}
