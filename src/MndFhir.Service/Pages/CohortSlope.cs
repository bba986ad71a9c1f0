namespace MndFhir.Service.Pages;

/// <summary>One patient of the cohort view: the first transplant and the ALSFRS-R slope (points/month) before and after it.</summary>
public sealed record CohortSlope(string PatientId, string? FirstTransplant, string? Route, int TotalsBefore, int TotalsAfter, double? Before, double? After, ProgressionSlope.BeforeBasis? BeforeBasis)
{
    public static CohortSlope Of(PatientTrajectory patient)
    {
        var first = patient.FirstTransplant;
        var totals = patient.Series(MeasureChart.AlsfrsTotal).Where(p => p.Counts).ToList();
        var around = ProgressionSlope.AroundFirstTransplant(patient);
        return new CohortSlope(
            patient.PatientId,
            first?.Date,
            first?.Display,
            first is null ? totals.Count : totals.Count(p => p.At < first.At),
            first is null ? 0 : totals.Count(p => p.At >= first.At),
            around.Before,
            around.After,
            around.Basis);
    }
}
