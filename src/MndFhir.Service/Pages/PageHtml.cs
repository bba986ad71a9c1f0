using System.Globalization;
using System.Net;
using System.Text;

namespace MndFhir.Service.Pages;

/// <summary>The frame of every patient page: title, navigation, a little CSS; text always HTML-encoded.</summary>
internal static class PageHtml
{
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    public static string N(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Slope(double? perMonth) => perMonth is { } v ? v.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) : "-";

    public static string Page(string title, string body)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"robots\" content=\"noindex\">\n<title>")
            .Append(E(title)).Append(" - MndFhir</title>\n<style>")
            .Append("body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1100px}")
            .Append("nav a{margin-right:1em}table{border-collapse:collapse;margin:.5em 0}")
            .Append("th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;font-size:.9em}")
            .Append("figure{margin:.5em 0}figure svg{max-width:100%;height:auto}.note{color:#a00}.muted{color:#666}")
            .Append("</style>\n</head>\n<body>\n<nav><a href=\"/patients\">Patients</a><a href=\"/patients/cohort\">Cohort: ALSFRS-R slope around the first transplant</a></nav>\n")
            .Append(body)
            .Append("\n<p class=\"muted\">Read-only. Drawn from the clinic records in the MndFhir database as a sync would send them; ")
            .Append("notes say when a value is retracted or not yet delivered to a destination.</p>\n</body>\n</html>\n");
        return html.ToString();
    }
}
