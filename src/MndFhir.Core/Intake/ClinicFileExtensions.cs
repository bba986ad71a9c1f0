namespace MndFhir.Intake;

public static class ClinicFileExtensions
{
    public static string FileName(this ClinicFile file) => file switch
    {
        ClinicFile.Patients => "patients.csv",
        ClinicFile.Treatments => "treatments.csv",
        ClinicFile.Assessments => "assessments.csv",
        _ => throw new ArgumentOutOfRangeException(nameof(file), file, "unknown clinic file"),
    };
}
