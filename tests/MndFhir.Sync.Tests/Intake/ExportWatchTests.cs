using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MndFhir.Data;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Intake;

namespace MndFhir.Sync.Tests.Intake;

/// <summary>When the service takes an export for complete and new (docs/operations.md, "Scheduled intake").</summary>
public sealed class ExportWatchTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private ImportHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await ImportHarness.StartAsync();
        await _h.WriteAsync("patients.csv", ImportHarness.PatientHeader, "P-1,,,,female,1960-01-01,ALS,,,,yes,");
        await _h.WriteAsync("treatments.csv", ImportHarness.TreatmentHeader);
        await _h.WriteAsync("assessments.csv", ImportHarness.AssessmentHeader, "A-1,P-1,FVC,3.1,L,2024-02-01,,,,,");
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Without_a_marker_an_export_is_complete_once_its_contents_stayed_the_same_for_the_quiet_period_whatever_the_file_times()
    {
        var watch = Watch(quietSeconds: 120);
        foreach (var file in Directory.GetFiles(_h.Export))
        {
            File.SetLastWriteTimeUtc(file, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc)); // copied with their old times
        }

        Assert.False((await watch.CheckAsync(_h.Export, CancellationToken.None)).Ready);
        _clock.Advance(TimeSpan.FromSeconds(119));
        Assert.False((await watch.CheckAsync(_h.Export, CancellationToken.None)).Ready);

        // A file replaced meanwhile (with an old time too) starts the quiet period again.
        await _h.WriteAsync("assessments.csv", ImportHarness.AssessmentHeader, "A-1,P-1,FVC,3.2,L,2024-02-01,,,,,");
        File.SetLastWriteTimeUtc(Path.Combine(_h.Export, "assessments.csv"), new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False((await watch.CheckAsync(_h.Export, CancellationToken.None)).Ready);
        _clock.Advance(TimeSpan.FromSeconds(120));
        var ready = await watch.CheckAsync(_h.Export, CancellationToken.None);
        Assert.True(ready.Ready, ready.Reason);

        // Imported, the same export is not new any more.
        await _h.ImportAsync();
        var again = await watch.CheckAsync(_h.Export, CancellationToken.None);
        Assert.False(again.Ready);
        Assert.Contains("imported before", again.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_marker_written_after_the_files_makes_an_export_complete_at_once_and_a_missing_file_never()
    {
        var watch = Watch(quietSeconds: 3600);
        Assert.False((await watch.CheckAsync(_h.Export, CancellationToken.None)).Ready);
        var marker = Path.Combine(_h.Export, "export.ready");
        await File.WriteAllTextAsync(marker, string.Empty);
        File.SetLastWriteTimeUtc(marker, DateTime.UtcNow.AddMinutes(1));

        var check = watch.CheckAsync(_h.Export, CancellationToken.None);
        while (!check.IsCompleted)
        {
            // The watch reads the files twice, a second apart on its clock.
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        Assert.True((await check).Ready, (await check).Reason);
        File.Delete(Path.Combine(_h.Export, "treatments.csv"));
        Assert.Equal("treatments.csv is not in the export folder yet", (await watch.CheckAsync(_h.Export, CancellationToken.None)).Reason);
    }

    private ExportWatch Watch(int quietSeconds) => new(
        _h.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<MndFhirDbContext>>(),
        Options.Create(new ClinicOptions { ExportQuietSeconds = quietSeconds }),
        _clock);
}
