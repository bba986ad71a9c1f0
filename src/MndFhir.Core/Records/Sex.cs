namespace MndFhir.Records;

public enum Sex
{
    Male,
    Female,
    Other,
    Unknown,
}
