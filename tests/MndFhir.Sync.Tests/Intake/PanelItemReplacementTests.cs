using Microsoft.EntityFrameworkCore;
using MndFhir.Intake;
using MndFhir.Records;
using static MndFhir.Sync.Tests.Intake.ImportHarness;

namespace MndFhir.Sync.Tests.Intake;

/// <summary>
/// A new row (another assessment_id) for an item imported before replaces it in the same import when the export gives
/// the stored row up, wherever in the file: retracted below the new row, or gone from a complete export (marked removed
/// at its end). Only where the stored row stays in force (a partial export, removals refused) is the new row a repeat.
/// </summary>
public sealed class PanelItemReplacementTests : IAsyncLifetime
{
    // Rows that keep every export of this test well above the removal guard's tenth.
    private static readonly string[] Others = [.. Enumerable.Range(1, 60).Select(i => $"O-{i},P-1,WEIGHT,6{i % 10},kg,2024-02-01,,,,,")];

    private ImportHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await StartAsync();
        await _h.WriteAsync("patients.csv", PatientHeader, "P-1,MRN-1,Doe,Jane,female,1960-02-03,ALS,2022-05,spinal,2023-01-10,yes,");
        await _h.WriteAsync("treatments.csv", TreatmentHeader);
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Others, .. Items(), "AP-T,P-1,ALSFRSR_TOTAL,36,,2024-02-01,AP,,,,"]);
        Assert.True((await _h.ImportAsync()).IsClean);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>The panel's 12 items at 3 each, but item 3.</summary>
    private static IEnumerable<string> Items(bool withThird = true) =>
        Enumerable.Range(1, 12).Where(i => withThird || i != 3).Select(i => $"AP-{i},P-1,ALSFRSR_{i:00},3,,2024-02-01,AP,,,,");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_new_row_for_an_item_replaces_the_stored_row_in_the_same_import_when_that_is_retracted_below_it_or_gone_from_a_complete_export(bool retractedBelow)
    {
        // Before: AP-3b was quarantined as panel-item-repeated (the stored AP-3 still held its item when AP-3b was read)
        // and the corrected total 37 as panel-total-mismatch, and both waited a whole export.
        await _h.WriteAsync("assessments.csv", AssessmentHeader,
        [
            "AP-3b,P-1,ALSFRSR_03,4,,2024-02-01,AP,,,,",
            .. Others,
            .. Items(withThird: false),
            "AP-T,P-1,ALSFRSR_TOTAL,37,,2024-02-01,AP,,,,",
            .. retractedBelow ? ["AP-3,P-1,ALSFRSR_03,,,,,,,entered-in-error,"] : Array.Empty<string>(),
        ]);
        var import = await _h.ImportAsync();

        Assert.Empty(await _h.OpenQuarantineAsync());
        Assert.True(import.IsClean);
        await using var db = await _h.DbAsync();
        var third = await db.Assessments.AsNoTracking().Where(a => a.Code == "ALSFRSR_03").OrderBy(a => a.AssessmentId).ToListAsync();
        Assert.Equal(["AP-3", "AP-3b"], third.Select(a => a.AssessmentId));
        Assert.Equal(retractedBelow ? AssessmentStatus.EnteredInError : AssessmentStatus.Final, third[0].Status);
        Assert.Equal(!retractedBelow, third[0].RemovedFromExportAt is not null);
        Assert.Equal("3", third[0].Value); // its content kept
        Assert.Equal(("4", AssessmentStatus.Final, (DateTimeOffset?)null), (third[1].Value, third[1].Status, third[1].RemovedFromExportAt));
        Assert.Equal("37", (await db.Assessments.AsNoTracking().SingleAsync(a => a.AssessmentId == "AP-T")).Value);
    }

    [Fact]
    public async Task A_new_total_replaces_the_stored_total_retracted_below_it_beside_a_changed_item()
    {
        // Before: AP-T2 was a repeat of AP-T, read later; the item change then went through without a total in force.
        await _h.WriteAsync("assessments.csv", AssessmentHeader,
        [
            "AP-T2,P-1,ALSFRSR_TOTAL,37,,2024-02-01,AP,,,,",
            .. Others,
            .. Items(withThird: false),
            "AP-3,P-1,ALSFRSR_03,4,,2024-02-01,AP,,,,",
            "AP-T,P-1,ALSFRSR_TOTAL,,,,,,,entered-in-error,",
        ]);
        Assert.True((await _h.ImportAsync()).IsClean);

        await using var db = await _h.DbAsync();
        var totals = await db.Assessments.AsNoTracking().Where(a => a.Code == "ALSFRSR_TOTAL").OrderBy(a => a.AssessmentId).ToListAsync();
        Assert.Equal([("AP-T", "36", AssessmentStatus.EnteredInError), ("AP-T2", "37", AssessmentStatus.Final)], totals.Select(t => (t.AssessmentId, t.Value, t.Status)));
        Assert.Equal("4", (await db.Assessments.AsNoTracking().SingleAsync(a => a.AssessmentId == "AP-3")).Value);
    }

    [Fact]
    public async Task A_new_row_for_an_item_whose_stored_row_stays_in_force_is_still_a_repeat()
    {
        // A partial export: the removal guard keeps AP-3 (and the rest) in force, so AP-3b would be a second item 3.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Others.Take(5), "AP-3b,P-1,ALSFRSR_03,4,,2024-02-01,AP,,,,"]);
        var before = await _h.RecordsAsync();
        var import = await _h.ImportAsync();

        Assert.True(import.Files[2].RemovalsRefused > 0);
        var repeat = Assert.Single(await _h.OpenQuarantineAsync());
        Assert.Equal(("AP-3b", IntakeRules.PanelItemRepeated, 7L), (repeat.RecordId, repeat.Rule, repeat.Line));
        Assert.StartsWith("assessments.csv line 7, column code: ALSFRSR_03 appears twice in panel AP: a row imported before holds it", repeat.Message, StringComparison.Ordinal);
        Assert.Equal(before, await _h.RecordsAsync());
    }
}
