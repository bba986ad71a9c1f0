namespace MndFhir.Service.Pages;

/// <summary>
/// The ALSFRS-R slope in points per month: the least-squares line through the measured totals (retracted ones left
/// out), months of 30.4375 days; fewer than two totals, or all on one day, give no line. Around the first transplant
/// the totals split at that session's date (a total on that day counts as after).
/// </summary>
public static class ProgressionSlope
{
    public const double DaysPerMonth = 30.4375;

    public static double? Of(IEnumerable<TrajectoryPoint> points)
    {
        var counted = points.Where(p => p.Counts).ToList();
        if (counted.Count < 2)
        {
            return null;
        }

        var origin = counted.Min(p => p.At);
        var xs = counted.Select(p => (p.At - origin).TotalDays / DaysPerMonth).ToList();
        var ys = counted.Select(p => p.Value).ToList();
        var mx = xs.Average();
        var my = ys.Average();
        var sxx = xs.Sum(x => (x - mx) * (x - mx));
        if (sxx < 1e-9)
        {
            return null;
        }

        return xs.Zip(ys, (x, y) => (x - mx) * (y - my)).Sum() / sxx;
    }

    /// <summary>
    /// The slope before the first transplant and after it. After: the line through the totals from that session on.
    /// Before: the line through the totals before it when there are two or more; otherwise, as the clinic states its
    /// outcome claims, the progression rate since onset at the last total before it (ΔFS, the derived Observation as
    /// sent, negated: a loss of points is a negative slope).
    /// </summary>
    public static Around AroundFirstTransplant(PatientTrajectory patient)
    {
        if (patient.FirstTransplant is not { } first)
        {
            return new Around(null, null, null);
        }

        var totals = patient.Series(MeasureChart.AlsfrsTotal).Where(p => p.Counts).ToList();
        var after = Of(totals.Where(p => p.At >= first.At));
        if (Of(totals.Where(p => p.At < first.At)) is { } measured)
        {
            return new Around(measured, after, BeforeBasis.Totals);
        }

        var rate = patient.Series(MeasureChart.ProgressionRate).Where(p => p.Counts && p.At < first.At).LastOrDefault();
        return rate is null ? new Around(null, after, null) : new Around(-rate.Value, after, BeforeBasis.SinceOnset);
    }

    /// <summary>What the slope before the first transplant was computed from.</summary>
    public enum BeforeBasis
    {
        /// <summary>Two or more totals before the first transplant.</summary>
        Totals,

        /// <summary>The progression rate since onset (ΔFS) at the last total before it.</summary>
        SinceOnset,
    }

    /// <summary>The slopes around the first transplant, in points per month.</summary>
    public sealed record Around(double? Before, double? After, BeforeBasis? Basis);
}
