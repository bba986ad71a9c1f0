using System.Text;
using static MndFhir.Service.Pages.PageHtml;

namespace MndFhir.Service.Pages;

/// <summary>The HTML of the index, one patient's page and the cohort view.</summary>
public static class PatientPage
{
    public static string Index(IReadOnlyList<PatientTrajectory> patients)
    {
        var body = new StringBuilder("<h1>Patients</h1>\n<table id=\"patients\">\n<tr><th>patient</th><th>name</th><th>diagnosis</th><th>onset</th><th></th></tr>\n");
        foreach (var p in patients)
        {
            body.Append("<tr><td><a href=\"/patients/").Append(Uri.EscapeDataString(p.PatientId)).Append("\">").Append(E(p.PatientId)).Append("</a></td><td>")
                .Append(E(p.Name)).Append("</td><td>").Append(E(p.Diagnosis)).Append("</td><td>").Append(E(p.Onset)).Append("</td><td>")
                .Append(p.Active ? string.Empty : "inactive (gone from the export)").Append("</td></tr>\n");
        }

        body.Append("</table>\n<p>").Append(patients.Count).Append(" patients</p>");
        return Page("Patients", body.ToString());
    }

    public static string Patient(PatientTrajectory patient)
    {
        var body = new StringBuilder();
        body.Append("<h1>Patient ").Append(E(patient.PatientId)).Append(patient.Name is null ? string.Empty : " &middot; " + E(patient.Name)).Append("</h1>\n")
            .Append("<p>Diagnosis ").Append(E(patient.Diagnosis)).Append(patient.Onset is null ? string.Empty : ", symptom onset " + E(patient.Onset))
            .Append(patient.Active ? string.Empty : ". <span class=\"note\">Inactive: gone from the clinic's export.</span>").Append("</p>\n<ul id=\"destinations\">");
        foreach (var s in patient.Scope)
        {
            body.Append("<li>").Append(E(s)).Append("</li>");
        }

        body.Append("</ul>\n");
        Sessions(body, patient);
        foreach (var chart in MeasureChart.All)
        {
            Chart(body, chart, patient);
        }

        return Page($"Patient {patient.PatientId}", body.ToString());
    }

    public static string Cohort(IReadOnlyList<CohortSlope> slopes)
    {
        var both = slopes.Where(s => s.Before is not null && s.After is not null).ToList();
        var body = new StringBuilder("<h1>Cohort: ALSFRS-R slope before versus after the first transplant</h1>\n<p>")
            .Append("Per patient, in ALSFRS-R points per month (months of 30.4375 days), around the first stem-cell transplant session ")
            .Append("(intrathecal, intravenous or local). After: the least-squares line through the totals from that session on. ")
            .Append("Before: the line through the totals before it when there are two or more; otherwise the progression rate since symptom onset ")
            .Append("at the last total before it (&Delta;FS = (48 - total) / months since onset, as sent, negated). Retracted totals and sessions (entered-in-error, or gone from the export) are left out, and so are patients gone from the export. ")
            .Append("A negative slope is a decline; a point above the dashed line declined more slowly after.</p>\n");
        if (both.Count > 0)
        {
            var before = Median(both.Select(s => s.Before!.Value));
            var after = Median(both.Select(s => s.After!.Value));
            body.Append("<p id=\"cohort-summary\">").Append(both.Count).Append(" patients with a slope on both sides: median ").Append(Slope(before))
                .Append(" points/month before, ").Append(Slope(after)).Append(" after; ")
                .Append(both.Count(s => s.After > s.Before)).Append(" declined more slowly after, ").Append(both.Count(s => s.After <= s.Before)).Append(" not.</p>\n");
        }

        body.Append("<figure class=\"plot\" id=\"plot-cohort\" data-chart=\"cohort\" data-points=\"").Append(both.Count).Append("\">\n")
            .Append(TrajectoryPlot.CohortSvg(slopes)).Append("\n</figure>\n")
            .Append("<table id=\"cohort\">\n<tr><th>patient</th><th>first transplant</th><th>route</th><th>totals before</th><th>totals after</th><th>slope before</th><th>before from</th><th>slope after</th><th>change</th></tr>\n");
        foreach (var s in slopes)
        {
            body.Append("<tr><td><a href=\"/patients/").Append(Uri.EscapeDataString(s.PatientId)).Append("\">").Append(E(s.PatientId)).Append("</a></td><td>")
                .Append(E(s.FirstTransplant ?? "none")).Append("</td><td>").Append(E(s.Route)).Append("</td><td>").Append(s.TotalsBefore).Append("</td><td>")
                .Append(s.TotalsAfter).Append("</td><td>").Append(Slope(s.Before)).Append("</td><td>")
                .Append(s.BeforeBasis switch { ProgressionSlope.BeforeBasis.Totals => "totals", ProgressionSlope.BeforeBasis.SinceOnset => "since onset", _ => "-" })
                .Append("</td><td>").Append(Slope(s.After)).Append("</td><td>")
                .Append(s.Before is { } b && s.After is { } a ? Slope(a - b) : "-").Append("</td></tr>\n");
        }

        body.Append("</table>");
        return Page("Cohort", body.ToString());
    }

    private static void Sessions(StringBuilder body, PatientTrajectory patient)
    {
        body.Append("<h2>Treatment sessions</h2>\n");
        if (patient.FirstTransplant is { } first)
        {
            body.Append("<p>First transplant: ").Append(E(first.Date)).Append(", ").Append(E(first.Display)).Append(".</p>\n");
        }

        body.Append("<table id=\"sessions\">\n<tr><th>date</th><th>treatment</th><th>record</th><th>notes</th></tr>\n");
        foreach (var s in patient.Sessions)
        {
            body.Append("<tr data-code=\"").Append(E(s.Code)).Append("\"><td>").Append(E(s.Date)).Append("</td><td>").Append(E(s.Display)).Append("</td><td>")
                .Append(E(s.RecordId)).Append("</td><td class=\"note\">").Append(E(string.Join("; ", s.Notes))).Append("</td></tr>\n");
        }

        body.Append("</table>\n");
    }

    private static void Chart(StringBuilder body, MeasureChart chart, PatientTrajectory patient)
    {
        var points = patient.Points.Where(p => chart.Codes.Contains(p.Code) || p.Code == chart.RightCode).ToList();
        body.Append("<section id=\"chart-").Append(chart.Id).Append("\">\n<h2>").Append(E(chart.Title)).Append("</h2>\n");
        if (points.Count == 0)
        {
            body.Append("<p class=\"muted\">No values recorded.</p>\n</section>\n");
            return;
        }

        foreach (var series in points.GroupBy(p => p.Series, StringComparer.Ordinal))
        {
            var counted = series.Where(p => p.Counts).ToList();
            if (counted.Count == 0)
            {
                continue;
            }

            var (first, last) = (counted[0], counted[^1]);
            body.Append("<p class=\"summary\">").Append(E(series.Key)).Append(": ").Append(N(first.Value)).Append(' ').Append(E(first.Unit)).Append(" (").Append(E(first.Date))
                .Append(") to ").Append(N(last.Value)).Append(' ').Append(E(last.Unit)).Append(" (").Append(E(last.Date)).Append("), ").Append(counted.Count).Append(" values");
            if (ProgressionSlope.Of(counted) is { } slope)
            {
                body.Append("; trend ").Append(Slope(slope)).Append(" per month");
            }

            body.Append("</p>\n");
        }

        if (chart.Codes.Contains(MeasureChart.AlsfrsTotal))
        {
            Progression(body, patient);
        }

        body.Append("<figure class=\"plot\" data-chart=\"").Append(chart.Id).Append("\" data-points=\"").Append(points.Count)
            .Append("\" data-sessions=\"").Append(patient.Sessions.Count).Append("\" data-series=\"")
            .Append(E(string.Join("|", points.Select(p => p.Series).Distinct(StringComparer.Ordinal)))).Append("\">\n")
            .Append(TrajectoryPlot.Svg(chart, patient)).Append("\n</figure>\n<details><summary>Values</summary>\n<table>\n<tr><th>date</th><th>series</th><th>value</th><th>record</th><th>notes</th></tr>\n");
        foreach (var p in points)
        {
            body.Append("<tr><td>").Append(E(p.Date)).Append("</td><td>").Append(E(p.Series)).Append("</td><td>").Append(N(p.Value)).Append(' ').Append(E(p.Unit))
                .Append("</td><td>").Append(E(p.RecordId)).Append("</td><td class=\"note\">").Append(E(string.Join("; ", p.Notes))).Append("</td></tr>\n");
        }

        body.Append("</table>\n</details>\n</section>\n");
    }

    private static void Progression(StringBuilder body, PatientTrajectory patient)
    {
        var around = ProgressionSlope.AroundFirstTransplant(patient);
        var rate = patient.Series(MeasureChart.ProgressionRate).LastOrDefault(p => p.Counts);
        body.Append("<p id=\"progression\">Progression rate: ").Append(Slope(ProgressionSlope.Of(patient.Series(MeasureChart.AlsfrsTotal)))).Append(" points/month over all totals");
        if (patient.FirstTransplant is not null)
        {
            body.Append("; ").Append(Slope(around.Before)).Append(around.Basis == ProgressionSlope.BeforeBasis.SinceOnset ? " before the first transplant (since onset)" : " before the first transplant")
                .Append(", ").Append(Slope(around.After)).Append(" after");
        }

        if (rate is not null)
        {
            body.Append("; since onset (&Delta;FS, as sent) ").Append(N(rate.Value)).Append(" points/month on ").Append(E(rate.Date));
        }

        body.Append(".</p>\n");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
