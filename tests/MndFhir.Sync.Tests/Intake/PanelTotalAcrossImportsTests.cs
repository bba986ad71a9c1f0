using Microsoft.EntityFrameworkCore;
using MndFhir.Intake;
using static MndFhir.Sync.Tests.Intake.ImportHarness;

namespace MndFhir.Sync.Tests.Intake;

/// <summary>
/// ALSFRSR_TOTAL must equal the sum of its panel's items when all 12 are present: present in force, whether in this
/// file or imported before and still held (a total that arrives in a later export than some of its items).
/// </summary>
public sealed class PanelTotalAcrossImportsTests : IAsyncLifetime
{
    // Rows that keep every export of this test well above the removal guard's tenth.
    private static readonly string[] Others = [.. Enumerable.Range(1, 60).Select(i => $"O-{i},P-1,WEIGHT,6{i % 10},kg,2024-02-01,,,,,")];

    private ImportHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await StartAsync();
        await _h.WriteAsync("patients.csv", PatientHeader, "P-1,MRN-1,Doe,Jane,female,1960-02-03,ALS,2022-05,spinal,2023-01-10,yes,");
        await _h.WriteAsync("treatments.csv", TreatmentHeader);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static IEnumerable<string> Items(string panel, int from, int to, int value) =>
        Enumerable.Range(from, to - from + 1).Select(i => $"{panel}-{i},P-1,ALSFRSR_{i:00},{value},,2024-02-01,{panel},,,,");

    [Theory]
    [InlineData(36, null)]
    [InlineData(40, IntakeRules.PanelTotalMismatch)]
    public async Task A_total_is_checked_against_items_imported_before_and_still_held_with_the_items_of_this_file(int total, string? rule)
    {
        // Before: the items 1 to 6 were not in this file, so the total was never summed: 40 went through.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Others, .. Items("AP", 1, 6, 3)]);
        Assert.True((await _h.ImportAsync()).IsClean);

        // Items 1 to 6 and most other rows are gone from this export: the removal guard takes it for a partial export
        // and removes nothing, so items 1 to 6 stay in force (a delta export would do the same).
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Others.Take(5), .. Items("AP", 7, 12, 3), $"AP-T,P-1,ALSFRSR_TOTAL,{total},,2024-02-01,AP,,,,"]);
        var import = await _h.ImportAsync();

        Assert.True(import.Files[2].RemovalsRefused > 0, "the earlier items stay in force");
        var open = await _h.OpenQuarantineAsync();
        Assert.Equal(rule, open.SingleOrDefault()?.Rule);
        await using var db = await _h.DbAsync();
        Assert.Equal(rule is null, await db.Assessments.AnyAsync(a => a.AssessmentId == "AP-T"));
        if (rule is not null)
        {
            Assert.Contains("6 of them imported before", open.Single().Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Items_that_complete_a_panel_whose_total_was_stored_unchecked_are_held_back_when_they_disagree_with_it(bool totalExportedAgain)
    {
        // The total came with items 1 to 6 only, so it was not summed: 40 was stored (and may have been delivered).
        string[] total = ["AP-T,P-1,ALSFRSR_TOTAL,40,,2024-02-01,AP,,,,"];
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Others, .. Items("AP", 1, 6, 3), .. total]);
        Assert.True((await _h.ImportAsync()).IsClean);
        var before = await _h.RecordsAsync();

        // A delta export brings items 7 to 12 (with the total again, unchanged, or without it): all 12 items would be in
        // force, summing to 36 beside the stored 40. Before: the items were stored and registries got a panel whose
        // total disagrees with its items.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Others.Take(5), .. Items("AP", 7, 12, 3), .. totalExportedAgain ? total : []]);
        var import = await _h.ImportAsync();

        Assert.True(import.Files[2].RemovalsRefused > 0, "the earlier items stay in force");
        Assert.Equal(before, await _h.RecordsAsync()); // nothing stored changed: 6 items and the total 40
        var open = await _h.OpenQuarantineAsync();
        var items = open.Where(q => q.RecordId != "AP-T").ToList();
        Assert.Equal([.. Enumerable.Range(7, 6).Select(i => $"AP-{i}")], items.Select(q => q.RecordId));
        Assert.All(items, q => Assert.Equal(IntakeRules.PanelTotalMismatch, q.Rule));
        var seventh = items[0];
        Assert.Equal(("assessments.csv", 7L, "value"), (seventh.File, seventh.Line, seventh.Column));
        Assert.Equal(
            "assessments.csv line 7, column value: ALSFRSR_07 of panel AP: with this row its 12 items are all in force (6 of them imported before, not in this file) and sum to 36, but the panel's total in force, assessment AP-T imported before, is 40; the row is held back so that no total disagrees with its items (correct or retract the total, or correct the items)",
            seventh.Message);
        Assert.Equal(totalExportedAgain, open.Any(q => q.RecordId == "AP-T" && q.Rule == IntakeRules.PanelTotalMismatch));

        // The clinic corrects the total: the items and the total go through together.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Others.Take(5), .. Items("AP", 7, 12, 3), "AP-T,P-1,ALSFRSR_TOTAL,36,,2024-02-01,AP,,,,"]);
        await _h.ImportAsync();
        Assert.Empty(await _h.OpenQuarantineAsync());
        await using var db = await _h.DbAsync();
        Assert.Equal(13, await db.Assessments.CountAsync(a => a.PanelId == "AP" && a.RemovedFromExportAt == null));
        Assert.Equal("36", (await db.Assessments.SingleAsync(a => a.AssessmentId == "AP-T")).Value);
    }

    [Fact]
    public async Task A_changed_item_of_a_complete_panel_that_would_disagree_with_its_stored_total_is_held_back_and_one_that_agrees_goes_through()
    {
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Others, .. Items("AP", 1, 12, 3), "AP-T,P-1,ALSFRSR_TOTAL,36,,2024-02-01,AP,,,,"]);
        Assert.True((await _h.ImportAsync()).IsClean);
        var before = await _h.RecordsAsync();

        // A delta export changes item 3 alone: 37 beside the stored total 36. Before: stored, the panel inconsistent.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Others.Take(5), "AP-3,P-1,ALSFRSR_03,4,,2024-02-01,AP,,,,"]);
        await _h.ImportAsync();

        Assert.Equal(before, await _h.RecordsAsync());
        var held = Assert.Single(await _h.OpenQuarantineAsync());
        Assert.Equal(("AP-3", IntakeRules.PanelTotalMismatch), (held.RecordId, held.Rule));
        Assert.Contains("(11 of them imported before, not in this file) and sum to 37, but the panel's total in force, assessment AP-T imported before, is 36", held.Message, StringComparison.Ordinal);

        // With the total changed beside it, both go through.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Others.Take(5), "AP-3,P-1,ALSFRSR_03,4,,2024-02-01,AP,,,,", "AP-T,P-1,ALSFRSR_TOTAL,37,,2024-02-01,AP,,,,"]);
        await _h.ImportAsync();
        Assert.Empty(await _h.OpenQuarantineAsync());
        await using var db = await _h.DbAsync();
        Assert.Equal("4", (await db.Assessments.SingleAsync(a => a.AssessmentId == "AP-3")).Value);
        Assert.Equal("37", (await db.Assessments.SingleAsync(a => a.AssessmentId == "AP-T")).Value);
    }

    [Fact]
    public async Task A_total_is_not_summed_with_an_item_imported_before_that_a_complete_export_removes()
    {
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Others, .. Items("AP", 1, 11, 3)]);
        Assert.True((await _h.ImportAsync()).IsClean);

        // Item 1 is gone from this complete export (marked removed at its end), so the panel ends with 11 items in force
        // and its total is not summed. Before: AP-1 still counted during the import and the total waited a whole export
        // in the quarantine as panel-total-mismatch.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Others, .. Items("AP", 2, 12, 3), "AP-T,P-1,ALSFRSR_TOTAL,33,,2024-02-01,AP,,,,"]);
        var import = await _h.ImportAsync();

        Assert.True(import.IsClean);
        Assert.Equal(1, import.Files[2].Removed);
        await using var db = await _h.DbAsync();
        Assert.NotNull((await db.Assessments.SingleAsync(a => a.AssessmentId == "AP-1")).RemovedFromExportAt);
        Assert.Equal("33", (await db.Assessments.SingleAsync(a => a.AssessmentId == "AP-T")).Value);
    }

    [Fact]
    public async Task A_total_whose_panel_misses_an_item_in_force_is_not_summed_and_retracted_items_do_not_count()
    {
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Others, .. Items("AP", 1, 12, 3)]);
        Assert.True((await _h.ImportAsync()).IsClean);

        // Item 1 retracted in this export, items 2 to 6 gone (kept in force by the guard), 7 to 12 here: 11 items in
        // force, so the total (whatever it is) is not summed.
        await _h.WriteAsync("assessments.csv", AssessmentHeader,
            [.. Others.Take(5), "AP-1,P-1,ALSFRSR_01,,,2024-02-01,AP,,,entered-in-error,", .. Items("AP", 7, 12, 3), "AP-T,P-1,ALSFRSR_TOTAL,99,,2024-02-01,AP,,,,"]);
        await _h.ImportAsync();

        Assert.DoesNotContain(await _h.OpenQuarantineAsync(), q => q.Rule == IntakeRules.PanelTotalMismatch);
    }
}
