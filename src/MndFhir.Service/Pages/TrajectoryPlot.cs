using System.Globalization;
using ScottPlot;

namespace MndFhir.Service.Pages;

/// <summary>
/// Draws the page's plots with ScottPlot as SVG on the server: each measure's series over time, retracted values and
/// values not yet delivered marked apart, every treatment session as a vertical line on the time axis (one colour per
/// treatment), and on the ALSFRS-R plot the fitted slope before and after the first transplant.
/// </summary>
public static class TrajectoryPlot
{
    public const int Width = 960;

    public const int Height = 340;

    private static readonly IReadOnlyDictionary<string, Color> SessionColours = new Dictionary<string, Color>(StringComparer.Ordinal)
    {
        ["BM_HARVEST"] = Colors.SaddleBrown,
        ["SC_INTRATHECAL"] = Colors.Crimson,
        ["SC_INTRAVENOUS"] = Colors.DarkOrange,
        ["SC_LOCAL"] = Colors.Gold,
        ["NEUROREHAB"] = Colors.SeaGreen,
        ["NEUROMODULATION"] = Colors.MediumPurple,
        ["NIV_START"] = Colors.SteelBlue,
        ["GASTROSTOMY"] = Colors.DimGray,
    };

    private static readonly Color[] SeriesColours = [Colors.Navy, Colors.Teal, Colors.Maroon, Colors.OliveDrab];

    public static string Svg(MeasureChart chart, PatientTrajectory patient)
    {
        using var plot = new Plot();
        plot.Title(chart.Title);
        plot.YLabel(chart.YLabel.Length > 0 ? chart.YLabel
            : string.Join(", ", patient.Points.Where(p => chart.Codes.Contains(p.Code)).Select(p => p.Unit).OfType<string>().Distinct(StringComparer.Ordinal)));
        plot.Axes.DateTimeTicksBottom();
        var colour = 0;
        foreach (var series in patient.Points.Where(p => chart.Codes.Contains(p.Code)).GroupBy(p => p.Series, StringComparer.Ordinal))
        {
            AddSeries(plot, series.Key, [.. series], SeriesColours[colour++ % SeriesColours.Length], plot.Axes.Left);
        }

        if (chart.RightCode is { } right)
        {
            var values = patient.Series(right).ToList();
            if (values.Count > 0)
            {
                AddSeries(plot, MeasureChart.SeriesOf(right, null), values, Colors.DarkGreen, plot.Axes.Right);
                plot.Axes.Right.Label.Text = chart.RightLabel ?? string.Empty;
            }
        }

        var shown = patient.Points.Where(p => chart.Codes.Contains(p.Code) || p.Code == chart.RightCode).ToList();
        AddMarks(plot, shown.Where(p => p.Retracted).ToList(), "retracted", MarkerShape.Eks, Colors.Gray, 11);
        AddMarks(plot, shown.Where(p => !p.Retracted && p.Notes.Count > 0).ToList(), "not yet delivered", MarkerShape.OpenCircle, Colors.Red, 15);

        if (chart.Codes.Contains(MeasureChart.AlsfrsTotal))
        {
            AddSlopes(plot, patient);
        }

        foreach (var group in patient.Sessions.GroupBy(s => s.Code, StringComparer.Ordinal))
        {
            var first = true;
            foreach (var session in group)
            {
                var line = plot.Add.VerticalLine(X(session.At));
                line.Color = (SessionColours.GetValueOrDefault(group.Key, Colors.Black)).WithAlpha(session.Retracted ? 0.25 : 0.8);
                line.LineWidth = session.IsTransplant ? 2 : 1;
                line.LinePattern = session.IsTransplant ? LinePattern.Solid : LinePattern.Dashed;
                if (first)
                {
                    line.LegendText = session.Display;
                    first = false;
                }
            }
        }

        var times = shown.Select(p => X(p.At)).Concat(patient.Sessions.Select(s => X(s.At))).ToList();
        if (times.Count > 0)
        {
            plot.Axes.SetLimitsX(times.Min() - 20, times.Max() + 20);
        }

        plot.ShowLegend(Edge.Right);
        return Inline(plot.GetSvgXml(Width, Height));
    }

    /// <summary>The cohort: each patient's ALSFRS-R slope before (x) and after (y) the first transplant, and the line of no change.</summary>
    public static string CohortSvg(IReadOnlyList<CohortSlope> slopes)
    {
        using var plot = new Plot();
        plot.Title("ALSFRS-R slope before vs after the first transplant");
        plot.XLabel("before: points/month");
        plot.YLabel("after: points/month");
        var both = slopes.Where(s => s.Before is not null && s.After is not null).ToList();
        if (both.Count > 0)
        {
            var xs = both.Select(s => s.Before!.Value).ToArray();
            var ys = both.Select(s => s.After!.Value).ToArray();
            var markers = plot.Add.Markers(xs, ys, MarkerShape.FilledCircle, 8, Colors.Navy);
            markers.LegendText = $"patients ({both.Count})";
            var low = Math.Min(xs.Min(), ys.Min()) - 0.2;
            var high = Math.Max(Math.Max(xs.Max(), ys.Max()), 0) + 0.2;
            var same = plot.Add.Line(low, low, high, high);
            same.LineColor = Colors.Gray;
            same.LinePattern = LinePattern.Dashed;
            same.LegendText = "no change (after = before); above it: slower decline after";
        }

        plot.ShowLegend(Edge.Bottom);
        return Inline(plot.GetSvgXml(720, 560));
    }

    /// <summary>The SVG document as an element to put inside HTML: without its XML declaration.</summary>
    public static string Inline(string svg)
    {
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        return start > 0 ? svg[start..] : svg;
    }

    public static double X(DateTimeOffset at) => at.UtcDateTime.ToOADate();

    private static void AddSeries(Plot plot, string name, IReadOnlyList<TrajectoryPoint> points, Color colour, ScottPlot.IYAxis axis)
    {
        var counted = points.Where(p => p.Counts).ToList();
        if (counted.Count == 0)
        {
            return;
        }

        var scatter = plot.Add.Scatter(counted.Select(p => X(p.At)).ToArray(), counted.Select(p => p.Value).ToArray(), colour);
        scatter.LegendText = name;
        scatter.MarkerSize = 7;
        scatter.LineWidth = 1.5f;
        scatter.Axes.YAxis = axis;
    }

    private static void AddMarks(Plot plot, IReadOnlyList<TrajectoryPoint> points, string name, MarkerShape shape, Color colour, float size)
    {
        if (points.Count == 0)
        {
            return;
        }

        var marks = plot.Add.Markers(points.Select(p => X(p.At)).ToArray(), points.Select(p => p.Value).ToArray(), shape, size, colour);
        marks.LegendText = $"{name} ({points.Count})";
    }

    private static void AddSlopes(Plot plot, PatientTrajectory patient)
    {
        var totals = patient.Series(MeasureChart.AlsfrsTotal).Where(p => p.Counts).ToList();
        if (patient.FirstTransplant is not { } first)
        {
            return;
        }

        var around = ProgressionSlope.AroundFirstTransplant(patient);
        var before = totals.Where(p => p.At < first.At).ToList();
        if (around.Basis == ProgressionSlope.BeforeBasis.Totals)
        {
            Fit(plot, before, around.Before, "before first transplant", Colors.Black);
        }
        else if (around.Before is { } sinceOnset && before.Count > 0)
        {
            // One total before: the rate since onset, drawn back from that total for the months before it that the plot shows.
            var last = before[^1];
            var from = Math.Min(X(last.At) - 60, patient.Points.Min(p => X(p.At)));
            var line = plot.Add.Line(from, last.Value - (sinceOnset / ProgressionSlope.DaysPerMonth * (X(last.At) - from)), X(last.At), last.Value);
            line.LineColor = Colors.Black;
            line.LineWidth = 2;
            line.LinePattern = LinePattern.DenselyDashed;
            line.LegendText = $"slope before first transplant (since onset): {sinceOnset.ToString("+0.00;-0.00", CultureInfo.InvariantCulture)} points/month";
        }

        Fit(plot, [.. totals.Where(p => p.At >= first.At)], around.After, "after first transplant", Colors.Crimson);
    }

    private static void Fit(Plot plot, IReadOnlyList<TrajectoryPoint> points, double? slope, string label, Color colour)
    {
        if (slope is not { } perMonth)
        {
            return;
        }

        var mx = points.Average(p => X(p.At));
        var my = points.Average(p => p.Value);
        var perDay = perMonth / ProgressionSlope.DaysPerMonth;
        var x1 = points.Min(p => X(p.At));
        var x2 = points.Max(p => X(p.At));
        var line = plot.Add.Line(x1, my + (perDay * (x1 - mx)), x2, my + (perDay * (x2 - mx)));
        line.LineColor = colour;
        line.LineWidth = 2;
        line.LinePattern = LinePattern.DenselyDashed;
        line.LegendText = $"slope {label}: {perMonth.ToString("+0.00;-0.00", CultureInfo.InvariantCulture)} points/month";
    }
}
