using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Cli.Hosting;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;

namespace MndFhir.IntegrationTests.Service;

/// <summary>
/// The patient pages as staff open them: a real service on loopback over a SQLite database holding six sample patients
/// (imported, synced to the hospital destination, one FVC value retracted afterwards, the registry never synced),
/// opened in headless Chromium. Screenshots go to artifacts/screenshots/.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed partial class PatientPagesTests : IDisposable
{
    private const string PatientId = "P-0001";
    private static readonly string[] Patients = ["P-0001", "P-0002", "P-0003", "P-0004", "P-0005", "P-0006"];
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-pages-" + Guid.NewGuid().ToString("N")[..12]);

    [ChromiumFact]
    public async Task The_patient_page_plots_every_measure_with_the_sessions_on_the_time_axis_and_notes_what_is_retracted_or_not_delivered()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var (configuration, logFolder) = Settings();
        var logger = CliContext.CreateLogger(configuration, _folder, verbose: true, console: false);
        string retracted;
        await using (var service = await RunningService.StartAsync(_folder, withKey: false, logger, cts.Token))
        {
            var fvc = await PrepareAsync(service, cts.Token);

            var dom = await Chromium.DumpDomAsync(new Uri(service.Address, "/patients/" + PatientId), Path.Combine(_folder, "chromium"), cts.Token);
            await Chromium.ScreenshotAsync(new Uri(service.Address, "/patients/" + PatientId), Artifact("patient-page.png"), Path.Combine(_folder, "chromium"), cts.Token);
            await File.WriteAllTextAsync(Artifact("patient-page.html"), dom, cts.Token);

            // Who, and the treatment sessions with their dates: the first transplant can be read off the page.
            var (family, given) = NameOf(PatientId);
            Assert.Contains($"{given} {family}", dom, StringComparison.Ordinal);
            var treatments = Rows("treatments.csv").Where(r => r[1] == PatientId).ToList();
            Assert.Equal(treatments.Count, Regex.Count(Section(dom, "<table id=\"sessions\">", "</table>"), "<tr data-code="));
            var firstTransplant = treatments.Where(t => t[2].StartsWith("SC_", StringComparison.Ordinal)).Select(t => t[4]).Order(StringComparer.Ordinal).First();
            Assert.Contains($"First transplant: {firstTransplant}", dom, StringComparison.Ordinal);

            // Seven plots, each a ScottPlot SVG with one marker per value and a line per treatment session.
            var figures = Figures().Matches(dom).ToList();
            Assert.Equal(["alsfrs-r", "fvc", "grip", "weight", "pain", "hads", "alsaq40"], figures.Select(f => f.Groups["chart"].Value).Where(c => c is "alsfrs-r" or "fvc" or "grip" or "weight" or "hads" or "alsaq40" or "pain"));
            foreach (var figure in figures.Where(f => f.Groups["chart"].Value is "alsfrs-r" or "fvc" or "weight"))
            {
                var points = int.Parse(figure.Groups["points"].Value, System.Globalization.CultureInfo.InvariantCulture);
                var svg = figure.Groups["svg"].Value;
                Assert.StartsWith("<svg", svg, StringComparison.Ordinal);
                Assert.True(Regex.Count(svg, "<ellipse") >= points, $"{figure.Groups["chart"].Value}: {Regex.Count(svg, "<ellipse")} markers for {points} values");
                Assert.Equal(treatments.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), figure.Groups["sessions"].Value);
                Assert.True(VerticalLines(svg) >= treatments.Count, $"{figure.Groups["chart"].Value}: {VerticalLines(svg)} vertical lines for {treatments.Count} sessions");
            }

            var fvcValues = Rows("assessments.csv").Count(a => a[1] == PatientId && a[2] == "FVC_PCT");
            Assert.Contains($"data-chart=\"fvc\" data-points=\"{fvcValues}\"", dom, StringComparison.Ordinal);
            Assert.Matches(@"FVC % predicted: [0-9.]+ % \(\d{4}-\d\d-\d\d\) to [0-9.]+ % \(\d{4}-\d\d-\d\d\), \d+ values; trend -[0-9.]+ per month", dom);
            Assert.Matches(@"id=""progression"">Progression rate: -[0-9.]+ points/month over all totals; [-+][0-9.]+ before the first transplant", dom);

            // Notes per point: the retracted FVC value, and the registry that was never synced.
            // (The registry never received it, so there is nothing to withdraw there: no note for the registry.)
            Assert.Contains($"<td>{fvc}</td><td class=\"note\">retracted (entered-in-error); hospital-files holds an older version</td>", dom, StringComparison.Ordinal);
            Assert.Contains("not yet delivered to registry-files", dom, StringComparison.Ordinal);
            Assert.Contains("registry-files: ", Section(dom, "<ul id=\"destinations\">", "</ul>"), StringComparison.Ordinal);

            // The cohort: every patient's slope before and after the first transplant.
            var cohort = await Chromium.DumpDomAsync(new Uri(service.Address, "/patients/cohort"), Path.Combine(_folder, "chromium"), cts.Token);
            await Chromium.ScreenshotAsync(new Uri(service.Address, "/patients/cohort"), Artifact("cohort.png"), Path.Combine(_folder, "chromium"), cts.Token);
            var plotted = int.Parse(Regex.Match(cohort, "id=\"plot-cohort\" data-chart=\"cohort\" data-points=\"(\\d+)\"").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(Patients.Length, plotted);
            Assert.True(Regex.Count(Section(cohort, "id=\"plot-cohort\"", "</figure>"), "<ellipse") >= plotted);
            Assert.Equal(Patients.Length, Regex.Count(Section(cohort, "<table id=\"cohort\">", "</table>"), "<tr><td><a href=\"/patients/P-"));
            Assert.Matches(@"6 patients with a slope on both sides: median -[0-9.]+ points/month before, -[0-9.]+ after", cohort);
            Assert.DoesNotContain(family, cohort, StringComparison.Ordinal);

            // The index links every patient.
            using var http = service.Client();
            var index = await http.GetStringAsync(new Uri("/patients", UriKind.Relative), cts.Token);
            Assert.All(Patients, p => Assert.Contains($"href=\"/patients/{p}\"", index, StringComparison.Ordinal));
            var missing = await http.GetAsync(new Uri("/patients/P-9999", UriKind.Relative), cts.Token);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("no-store", (await http.GetAsync(new Uri("/patients/" + PatientId, UriKind.Relative), cts.Token)).Headers.CacheControl?.ToString());
            retracted = fvc;
        }

        // Nothing of the pages reached the log: no patient path, no name.
        (logger as IDisposable)?.Dispose();
        var logs = string.Concat(Directory.GetFiles(logFolder).Select(File.ReadAllText));
        Assert.DoesNotContain("/patients/P-", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(NameOf(PatientId).Family, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(retracted, logs, StringComparison.Ordinal);
    }

    [ChromiumFact]
    public async Task Without_the_api_key_the_pages_answer_401_and_hold_no_name()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await using var service = await RunningService.StartAsync(_folder, withKey: true, Serilog.Core.Logger.None, cts.Token);
        await PrepareAsync(service, cts.Token);
        var (family, given) = NameOf(PatientId);
        using var anonymous = service.Client(withKey: false);
        using var staff = service.Client();

        foreach (var path in new[] { "/patients", "/patients/" + PatientId, "/patients/cohort" })
        {
            var refused = await anonymous.GetAsync(new Uri(path, UriKind.Relative), cts.Token);
            var body = await refused.Content.ReadAsStringAsync(cts.Token);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.DoesNotContain(family, body, StringComparison.Ordinal);
            Assert.DoesNotContain(PatientId, body, StringComparison.Ordinal);
        }

        // A browser without the key sees no name either; staff with the key see the patient.
        var dom = await Chromium.DumpDomAsync(new Uri(service.Address, "/patients/" + PatientId), Path.Combine(_folder, "chromium"), cts.Token);
        Assert.DoesNotContain(family, dom, StringComparison.Ordinal);
        Assert.DoesNotContain(given, dom, StringComparison.Ordinal);
        Assert.Contains($"{given} {family}", await staff.GetStringAsync(new Uri("/patients/" + PatientId, UriKind.Relative), cts.Token), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex("<figure class=\"plot\" data-chart=\"(?<chart>[a-z0-9-]+)\" data-points=\"(?<points>\\d+)\" data-sessions=\"(?<sessions>\\d+)\"[^>]*>\\s*(?<svg><svg.*?</svg>)", RegexOptions.Singleline)]
    private static partial Regex Figures();

    private static string Artifact(string name) => Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots", name);

    private static string Section(string html, string start, string end)
    {
        var from = html.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"no {start}");
        return html[from..html.IndexOf(end, from, StringComparison.Ordinal)];
    }

    /// <summary>Vertical lines as ScottPlot draws them: a path from (x, y1) to (x, y2).</summary>
    private static int VerticalLines(string svg) => Regex.Count(svg, @"d=""M([0-9.]+) [0-9.]+L\1 [0-9.]+""");

    private static IEnumerable<string[]> Rows(string file) =>
        File.ReadAllLines(Path.Combine(RepositoryPaths.Samples, "clinic-export", file)).Skip(1).Select(l => l.Split(','));

    private static (string Family, string Given) NameOf(string patientId)
    {
        var row = Rows("patients.csv").Single(r => r[0] == patientId);
        return (row[2], row[3]);
    }

    private (IConfiguration Configuration, string LogFolder) Settings() =>
        (new ConfigurationBuilder().AddInMemoryCollection(RunningService.Configuration(_folder)).Build(), Path.Combine(_folder, "logs"));

    /// <summary>
    /// Six sample patients imported and synced to the hospital destination; then one of P-0001's FVC % values retracted
    /// by a second export. Returns that value's assessment id.
    /// </summary>
    private async Task<string> PrepareAsync(RunningService service, CancellationToken ct)
    {
        var export = Path.Combine(_folder, "export");
        Directory.CreateDirectory(export);
        foreach (var file in new[] { "patients.csv", "treatments.csv", "assessments.csv" })
        {
            var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Samples, "clinic-export", file));
            File.WriteAllLines(Path.Combine(export, file), [lines[0], .. lines.Skip(1).Where(l => Patients.Contains(l.Split(',')[file == "patients.csv" ? 0 : 1]))]);
        }

        var importer = service.App.Services.GetRequiredService<ClinicImporter>();
        await importer.ImportAsync(export, ct);
        await service.App.Services.GetRequiredService<SyncRunner>().RunAsync("hospital-files", "manual", ct);

        var assessments = Path.Combine(export, "assessments.csv");
        var rows = File.ReadAllLines(assessments);
        var index = Array.FindIndex(rows, l => l.Split(',') is var c && c[1] == PatientId && c[2] == "FVC_PCT");
        var cells = rows[index].Split(',');
        cells[9] = "entered-in-error";
        rows[index] = string.Join(',', cells);
        File.WriteAllLines(assessments, rows);
        await importer.ImportAsync(export, ct);
        return cells[0];
    }
}
