using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Intake;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Quarantine;
using static MndFhir.Sync.Tests.Intake.ImportHarness;

namespace MndFhir.Sync.Tests.Intake;

/// <summary>
/// A quarantine entry stays open while its row is in the export as it was rejected, and no longer: a file read whole
/// closes the entries of rows it no longer holds (deleted, fixed under another id, or broken in another way), and an
/// operator can dismiss an entry. Entries are never deleted: they are the audit trail.
/// </summary>
public sealed class QuarantineLifecycleTests : IAsyncLifetime
{
    private static readonly string[] Good =
    [
        "A-1,P-1,FVC,3.1,L,2024-02-01,,,,,",
        "A-2,P-1,WEIGHT,61,kg,2024-02-01,,,,,",
    ];

    private ImportHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await StartAsync();
        await _h.WriteAsync("patients.csv", PatientHeader,
            "P-1,MRN-1,Doe,Jane,female,1960-02-03,ALS,2022-05,spinal,2023-01-10,yes,",
            "P-2,,Roe,John,male,1955,PBP,,,,no,");
        await _h.WriteAsync("treatments.csv", TreatmentHeader, "T-1,P-1,SC_INTRATHECAL,,2024-01-10,,BM-MNC,autologous,1.2e8,lumbar,1/4,S-1,,");

        // break a row rule; the third row's id itself is invalid, so its entry has no record id.
        await _h.WriteAsync("assessments.csv", AssessmentHeader,
            [.. Good, "X-1,P-1,FVC,abc,L,2024-02-01,,,,,", "X-2,P-2,FVC,abc,L,2024-02-01,,,,,", "X 3,P-2,WEIGHT,70,kg,2024-02-01,,,,,"]);
        await _h.ImportAsync();
        Assert.Equal(
            [("X-1", IntakeRules.InvalidNumber), ("X-2", IntakeRules.InvalidNumber), (null, IntakeRules.InvalidId)],
            (await _h.OpenQuarantineAsync()).Select(q => (q.RecordId, q.Rule)));
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task A_quarantined_row_gone_from_a_file_read_whole_is_resolved_and_kept_while_one_still_there_stays_open()
    {
        // Before: X-1, deleted by the clinic instead of fixed, stayed open for ever and every import exited 1.
        // A rejected file says nothing about its rows: everything stays open.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Good, "X-2,P-2,FVC,abc,L,2024-02-01,,,,,\"note\" more"]);
        await _h.ImportAsync();
        Assert.Equal(4, (await _h.OpenQuarantineAsync()).Count);

        // Read whole: X-1 is gone, X 3 came back fixed under a valid id, X-2 is there and still broken.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Good, "X-2,P-2,FVC,abc,L,2024-02-01,,,,,", "X-3,P-2,WEIGHT,70,kg,2024-02-01,,,,,"]);
        var summary = await _h.ImportAsync();

        var open = Assert.Single(await _h.OpenQuarantineAsync());
        Assert.Equal(("X-2", IntakeRules.InvalidNumber), (open.RecordId, open.Rule));
        Assert.False(summary.IsClean);
        await using var db = await _h.DbAsync();
        var all = await db.Quarantine.AsNoTracking().OrderBy(q => q.Id).ToListAsync();
        Assert.Equal(4, all.Count); // kept: the audit trail
        Assert.Equal("the row is no longer in the export", all.Single(q => q.RecordId == "X-1").Resolution);
        Assert.Equal("a later import read the file whole", all.Single(q => q.Rule == FileRules.MalformedQuote).Resolution);
        Assert.Equal("the row is no longer in the export as it was rejected (deleted, fixed or changed)", all.Single(q => q.Rule == IntakeRules.InvalidId).Resolution);

        // The last one goes: the next import is clean.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Good, "X-3,P-2,WEIGHT,70,kg,2024-02-01,,,,,"]);
        Assert.True((await _h.ImportAsync()).IsClean);
        Assert.Empty(await _h.OpenQuarantineAsync());
    }

    [Fact]
    public async Task A_row_broken_in_another_way_closes_its_earlier_entry_and_only_the_new_one_stays_open()
    {
        // Before: both entries stayed open until the row was fixed, one of them naming a problem the row no longer had.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. Good, "X-1,P-1,FVC,abc,L,2024-02-01,,,,,", "X-2,P-2,FVC,3.0,L,2024-13-01,,,,,"]);
        await _h.ImportAsync();

        var open = await _h.OpenQuarantineAsync();
        Assert.Equal([("X-1", IntakeRules.InvalidNumber), ("X-2", IntakeRules.InvalidDate)], open.Select(q => (q.RecordId, q.Rule)));
        await using var db = await _h.DbAsync();
        var earlier = await db.Quarantine.AsNoTracking().SingleAsync(q => q.RecordId == "X-2" && q.Rule == IntakeRules.InvalidNumber);
        Assert.Equal("the row changed: a newer entry says what is wrong with it now", earlier.Resolution);
    }

    [Fact]
    public async Task A_duplicate_id_unchanged_between_imports_keeps_its_one_open_entry_and_closes_when_the_second_row_goes()
    {
        // Before: the valid first row of D-1 resolved the entry ('a valid row was imported') and the second row made a
        // new one, so every import of the same export closed and reopened it (new id, new first-seen time).
        string[] rows = [.. Good, "D-1,P-1,FVC,3.1,L,2024-02-01,,,,,", "D-1,P-1,FVC,3.4,L,2024-02-01,,,,,"];
        await _h.WriteAsync("assessments.csv", AssessmentHeader, rows);
        await _h.ImportAsync();
        var first = Assert.Single(await _h.OpenQuarantineAsync(), q => q.RecordId == "D-1");
        Assert.Equal(IntakeRules.DuplicateId, first.Rule);
        Assert.Contains("assessments.csv line 5", first.Message, StringComparison.Ordinal);

        await _h.ImportAsync();

        // A row added above moves it: still the same problem, its entry says where the row is now.
        rows = [.. Good, "A-3,P-1,FVC,3.0,L,2024-02-02,,,,,", .. rows[Good.Length..]];
        await _h.WriteAsync("assessments.csv", AssessmentHeader, rows);
        await _h.ImportAsync();

        var again = Assert.Single(await _h.OpenQuarantineAsync(), q => q.RecordId == "D-1");
        Assert.Equal((first.Id, first.FirstSeenAt), (again.Id, again.FirstSeenAt));
        Assert.Equal(6, again.Line);
        Assert.StartsWith("assessments.csv line 6, column assessment_id:", again.Message, StringComparison.Ordinal);
        await using (var db = await _h.DbAsync())
        {
            Assert.Equal(1, await db.Quarantine.CountAsync(q => q.RecordId == "D-1"));
            Assert.Equal("3.1", (await db.Assessments.AsNoTracking().SingleAsync(a => a.AssessmentId == "D-1")).Value);
        }

        // The clinic deletes the second row: the entry closes, saying so, and the first row stays as it was.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, rows[..^1]);
        await _h.ImportAsync();
        Assert.DoesNotContain(await _h.OpenQuarantineAsync(), q => q.RecordId == "D-1");
        await using (var db = await _h.DbAsync())
        {
            var closed = await db.Quarantine.AsNoTracking().SingleAsync(q => q.RecordId == "D-1");
            Assert.Equal("the export no longer repeats this id with other content", closed.Resolution);
            Assert.Equal("3.1", (await db.Assessments.AsNoTracking().SingleAsync(a => a.AssessmentId == "D-1")).Value);
        }
    }

    [Fact]
    public async Task An_operator_dismisses_entries_who_and_why_are_kept_and_a_row_still_in_the_export_comes_back_at_the_next_import()
    {
        var open = await _h.OpenQuarantineAsync();
        var dismissal = _h.Services.GetRequiredService<QuarantineDismissal>();

        // Not beside an import: it settles the quarantine in its own transaction.
        await using (var db = await _h.DbAsync())
        {
            var leases = new MndFhir.Data.DestinationLeaseStore(db);
            Assert.True(await leases.TryAcquireLeaseAsync(MndFhir.Data.DestinationLeaseStore.ImportLease, "another-import", TimeSpan.FromMinutes(5), CancellationToken.None));
            await Assert.ThrowsAsync<ImportBusyException>(() => dismissal.DismissAsync([open[0].Id], "ops-anna", null, CancellationToken.None));
            await leases.ReleaseLeaseAsync(MndFhir.Data.DestinationLeaseStore.ImportLease, "another-import", CancellationToken.None);
        }

        Assert.Equal(3, (await _h.OpenQuarantineAsync()).Count);

        // An unknown id dismisses nothing, not even the known ones.
        var unknown = await dismissal.DismissAsync([open[0].Id, 999], "ops-anna", null, CancellationToken.None);
        Assert.Equal([999L], unknown.Unknown);
        Assert.Equal(3, (await _h.OpenQuarantineAsync()).Count);

        var result = await dismissal.DismissAsync([open[0].Id, open[2].Id], "ops-anna", "row deleted in the EMR, ticket 4711", CancellationToken.None);
        Assert.Equal([open[0].Id, open[2].Id], result.Dismissed);
        var entries = await _h.Services.GetRequiredService<QuarantineQueries>().ListAsync(includeResolved: true, CancellationToken.None);
        var dismissed = entries.Single(e => e.Id == open[0].Id);
        Assert.Equal(QuarantineState.Resolved, dismissed.State);
        Assert.NotNull(dismissed.ResolvedAt);
        Assert.Equal("dismissed by ops-anna: row deleted in the EMR, ticket 4711", dismissed.Resolution);
        Assert.Single(await _h.OpenQuarantineAsync());

        // Again: nothing changes, the first who and why stay.
        var again = await dismissal.DismissAsync([open[0].Id], "ops-ben", null, CancellationToken.None);
        Assert.Equal([open[0].Id], again.AlreadyResolved);
        Assert.Empty(again.Dismissed);
        Assert.Equal(dismissed.Resolution, (await _h.Services.GetRequiredService<QuarantineQueries>().ListAsync(true, CancellationToken.None)).Single(e => e.Id == open[0].Id).Resolution);

        // X-1 is still in the export and still broken: the next import quarantines it again, in a new entry.
        await _h.ImportAsync();
        Assert.Equal(["X-2", "X-1", null], (await _h.OpenQuarantineAsync()).Select(q => q.RecordId));
    }
}
