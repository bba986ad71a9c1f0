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
