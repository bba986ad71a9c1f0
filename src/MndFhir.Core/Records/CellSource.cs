namespace MndFhir.Records;

public enum CellSource
{
    Autologous,
    Allogeneic,
}
