using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Sync.Status;
using MndFhir.Sync.Tests.Intake;

namespace MndFhir.Sync.Tests.Status;

/// <summary>Status reads the figures a sync left while nothing changed, and computes them again when something did.</summary>
public sealed class StatusSnapshotTests : IAsyncLifetime
{
    private ImportHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await ImportHarness.StartAsync();
        await _h.WriteAsync("patients.csv", ImportHarness.PatientHeader, "P-1,,,,female,1960-01-01,ALS,,,,yes,");
        await _h.WriteAsync("treatments.csv", ImportHarness.TreatmentHeader);
        await _h.WriteAsync("assessments.csv", ImportHarness.AssessmentHeader, "A-1,P-1,FVC,3.1,L,2024-02-01,,,,,");
        await _h.ImportAsync();
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Pending_is_read_back_after_a_sync_and_computed_afresh_after_an_import()
    {
        var status = _h.Services.GetRequiredService<SyncStatusService>();
        Assert.Equal(3, (await status.GetAsync(default)).Single().Pending);

        await _h.SyncAsync();
        await using (var db = await _h.DbAsync())
        {
            var kept = await db.StatusSnapshots.AsNoTracking().SingleAsync();
            Assert.Equal((0, 0), (kept.Pending, kept.Failed));

            // A figure that no longer matches its key would be wrong: this one is only read while the key holds.
            kept.Pending = 42;
            db.StatusSnapshots.Update(kept);
            await db.SaveChangesAsync();
        }

        Assert.Equal(42, (await status.GetAsync(default)).Single().Pending);

        await _h.WriteAsync("assessments.csv", ImportHarness.AssessmentHeader, "A-1,P-1,FVC,3.2,L,2024-02-01,,,,,");
        await _h.ImportAsync();
        Assert.Equal(1, (await status.GetAsync(default)).Single().Pending);
    }
}
