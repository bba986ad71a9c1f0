namespace MndFhir.Records;

public enum OnsetRegion
{
    Bulbar,
    Spinal,
    Respiratory,
    Generalized,
}
