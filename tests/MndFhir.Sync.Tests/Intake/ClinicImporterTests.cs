using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.Intake;
using MndFhir.Records;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;
using static MndFhir.Sync.Tests.Intake.ImportHarness;

namespace MndFhir.Sync.Tests.Intake;

/// <summary>
/// Bad input never corrupts, never loses: a file that breaks a file rule is rejected whole and nothing of it is kept or
/// removed; everything else goes through; the import is one unit.
/// </summary>
public sealed class ClinicImporterTests : IAsyncLifetime
{
    private ImportHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await StartAsync();
        await _h.WriteAsync("patients.csv", PatientHeader,
            "P-1,MRN-1,Doe,Jane,female,1960-02-03,ALS,2022-05,spinal,2023-01-10,yes,",
            "P-2,,Roe,John,male,1955,PBP,,,,no,",
            "P-3,,Poe,Ann,female,1970-07-07,PLS,,,,yes,");
        await _h.WriteAsync("treatments.csv", TreatmentHeader,
            "T-1,P-1,SC_INTRATHECAL,,2024-01-10,,BM-MNC,autologous,1.2e8,lumbar,1/4,S-1,,",
            "T-2,P-2,NEUROREHAB,,2024-02-01,2024-03-01,,,,,,,,");
        await _h.WriteAsync("assessments.csv", AssessmentHeader,
            "A-1,P-1,FVC,3.1,L,2024-02-01,,,T-1,,",
            "A-2,P-1,WEIGHT,61,kg,2024-02-01,,,,,",
            "A-3,P-2,FVC,2.9,L,2024-02-01,,,,,",
            "A-4,P-3,PAIN_NRS,4,,2024-02-01,,,,,",
            "A-5,P-3,HADS_A,7,,2024-02-01,,,,,");
        var first = await _h.ImportAsync();
        Assert.True(first.IsClean, string.Join("; ", first.Warnings));
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    public static TheoryData<string, string, long?> BrokenAssessmentFiles => new()
    {
        { "unterminated-quote", FileRules.UnterminatedQuote, 4 },
        { "malformed-quote", FileRules.MalformedQuote, 4 },
        { "too-many-cells", FileRules.TooManyCells, 4 },
        { "field-too-long", FileRules.FieldTooLong, 4 },
        { "header-too-long", FileRules.FieldTooLong, 1 },
        { "nul-byte", FileRules.NulByte, 4 },
        { "latin1", FileRules.InvalidEncoding, 4 },
        { "duplicate-column", FileRules.DuplicateColumn, 1 },
        { "missing-column", FileRules.MissingColumn, 1 },
        { "empty", FileRules.EmptyFile, null },
        { "missing", FileRules.MissingFile, null },
    };

    [Theory]
    [MemberData(nameof(BrokenAssessmentFiles))]
    public async Task A_file_breaking_a_file_rule_is_rejected_whole_with_its_line_and_rule_while_the_other_files_are_imported_and_nothing_is_removed(
        string breakage, string rule, long? line)
    {
        var before = await _h.RecordsAsync();
        await _h.WriteAsync("treatments.csv", TreatmentHeader,
            "T-1,P-1,SC_INTRATHECAL,,2024-01-10,,BM-MNC,autologous,1.5e8,lumbar,1/4,S-1,,");   // T-1 changed, T-2 gone
        await BreakAssessmentsAsync(breakage);

        var summary = await _h.ImportAsync();

        var assessments = summary.Files.Single(f => f.File == "assessments.csv");
        Assert.Equal((line, rule), (assessments.Problem?.Line, assessments.Problem?.Rule));
        Assert.Equal((0, 0, 0), (assessments.Created, assessments.Updated, assessments.Removed));
        Assert.False(summary.IsClean);
        Assert.Equal(1, summary.Files.Single(f => f.File == "treatments.csv").Updated);

        // Nothing of the broken file was kept (A-6 is new in it, A-1 changed in it) and nothing at all was removed (T-2 is gone
        // from a complete-looking treatments.csv, but removals need a complete, valid export).
        var after = await _h.RecordsAsync();
        Assert.Equal(before.Where(r => r.StartsWith("A ", StringComparison.Ordinal)), after.Where(r => r.StartsWith("A ", StringComparison.Ordinal)));
        Assert.DoesNotContain(after, r => r.EndsWith(" removed", StringComparison.Ordinal));
        Assert.NotEqual(before.Single(r => r.StartsWith("T T-1 ", StringComparison.Ordinal)), after.Single(r => r.StartsWith("T T-1 ", StringComparison.Ordinal)));

        // The file problem waits in the quarantine, once, however often the same broken file is imported.
        var open = Assert.Single(await _h.OpenQuarantineAsync());
        Assert.Equal(("assessments.csv", rule, line ?? 0, (string?)null), (open.File, open.Rule, open.Line, open.RecordId));
        await _h.ImportAsync();
        Assert.Single(await _h.OpenQuarantineAsync());

        // Fixed, the file is imported and its problem resolved.
        await _h.WriteAsync("assessments.csv", AssessmentHeader,
            "A-1,P-1,FVC,3.2,L,2024-02-01,,,T-1,,", "A-2,P-1,WEIGHT,61,kg,2024-02-01,,,,,", "A-3,P-2,FVC,2.9,L,2024-02-01,,,,,",
            "A-4,P-3,PAIN_NRS,4,,2024-02-01,,,,,", "A-5,P-3,HADS_A,7,,2024-02-01,,,,,", "A-6,P-3,HADS_D,5,,2024-02-01,,,,,");
        var fixedImport = await _h.ImportAsync();
        Assert.True(fixedImport.IsClean, string.Join("; ", fixedImport.Warnings));
        Assert.Equal((1, 1), (fixedImport.Files[2].Created, fixedImport.Files[2].Updated));
        Assert.Equal(1, fixedImport.Files[1].Removed);
        Assert.Empty(await _h.OpenQuarantineAsync());
    }

    private async Task BreakAssessmentsAsync(string breakage)
    {
        string[] good = ["A-1,P-1,FVC,3.2,L,2024-02-01,,,T-1,,", "A-6,P-3,HADS_D,5,,2024-02-01,,,,,"];
        const string tail = "A-4,P-3,PAIN_NRS,4,,2024-02-01,,,,,";
        switch (breakage)
        {
            case "unterminated-quote":
                await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. good, "A-7,P-3,FVC,2.0,L,2024-02-01,,,,,\"never closed", tail]);
                break;
            case "malformed-quote":
                await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. good, "A-7,P-3,FVC,2.0,L,2024-02-01,,,,,\"note\" more", tail]);
                break;
            case "too-many-cells":
                await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. good, "A-7,P-3,FVC,2.0,L,2024-02-01,,,,,note,P-1", tail]);
                break;
            case "field-too-long":
                await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. good, "A-7,P-3,FVC,2.0,L,2024-02-01,,,,," + new string('n', 10_001), tail]);
                break;
            case "header-too-long":
                await _h.WriteAsync("assessments.csv", AssessmentHeader + string.Concat(Enumerable.Range(1, 150_000).Select(i => $",c{i}")), good);
                break;
            case "nul-byte":
                await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. good, "A-7,P-3,FVC,2.0,L,2024-02-01,,,,,a\0b", tail]);
                break;
            case "latin1":
                var text = Encoding.UTF8.GetBytes(AssessmentHeader + "\n" + string.Concat(good.Select(g => g + "\n")));
                await _h.WriteBytesAsync("assessments.csv", [.. text, .. "A-7,P-3,FVC,2.0,L,2024-02-01,,,,,Jos"u8.ToArray(), 0xE9, (byte)'\n']);
                break;
            case "duplicate-column":
                await _h.WriteAsync("assessments.csv", AssessmentHeader + ",value", [.. good.Select(g => g + ",9")]);
                break;
            case "missing-column":
                await _h.WriteAsync("assessments.csv", AssessmentHeader.Replace("effective", "efective", StringComparison.Ordinal), good);
                break;
            case "empty":
                await _h.WriteBytesAsync("assessments.csv", []);
                break;
            case "missing":
                File.Delete(Path.Combine(_h.Export, "assessments.csv"));
                break;
        }
    }

    [Theory]
    [InlineData("dev-zero", "a character device")]
    [InlineData("dev-urandom", "a character device")]
    [InlineData("fifo", "a named pipe (FIFO)")]
    [InlineData("directory", "a directory")]
    [InlineData("dangling-link", "a symbolic link to a file that does not exist")]
    [InlineData("link-loop", "a loop of symbolic links")]
    public async Task An_export_file_that_is_not_a_regular_file_is_rejected_unread_instead_of_hanging_the_import_and_the_other_files_go_through(string kind, string what)
    {
        var path = Path.Combine(_h.Export, "patients.csv");
        File.Delete(path);
        switch (kind)
        {
            case "dev-zero":
                File.CreateSymbolicLink(path, "/dev/zero");
                break;
            case "dev-urandom":
                File.CreateSymbolicLink(path, "/dev/urandom");
                break;
            case "fifo":
                using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", path))
                {
                    await mkfifo.WaitForExitAsync();
                }

                break;
            case "directory":
                Directory.CreateDirectory(path);
                break;
            case "dangling-link":
                File.CreateSymbolicLink(path, Path.Combine(_h.Export, "gone.csv"));
                break;
            case "link-loop":
                File.CreateSymbolicLink(path, Path.Combine(_h.Export, "loop.csv"));
                File.CreateSymbolicLink(Path.Combine(_h.Export, "loop.csv"), path);
                break;
        }

        await _h.WriteAsync("treatments.csv", TreatmentHeader,
            "T-1,P-1,SC_INTRATHECAL,,2024-01-10,,BM-MNC,autologous,1.5e8,lumbar,1/4,S-1,,");   // T-1 changed, T-2 gone

        // Without the rule these reads never end: a time limit makes that a failure instead of a hang.
        Assert.Null(await ExportFingerprint.OfAsync(_h.Export, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)));
        var summary = await _h.ImportAsync().WaitAsync(TimeSpan.FromSeconds(20));

        var problem = summary.Files[0].Problem!;
        Assert.Equal(("patients.csv", FileRules.NotARegularFile, (long?)null), (problem.File, problem.Rule, problem.Line));
        Assert.Contains($"the file is {what}", problem.Message, StringComparison.Ordinal);
        Assert.Equal(1, summary.Files[1].Updated);
        Assert.DoesNotContain(await _h.RecordsAsync(), r => r.EndsWith(" removed", StringComparison.Ordinal));
        Assert.Equal(FileRules.NotARegularFile, Assert.Single(await _h.OpenQuarantineAsync()).Rule);
    }

    [Fact]
    public async Task An_export_found_new_by_two_occurrences_is_imported_once_the_later_one_finds_it_imported_under_the_lease()
    {
        // Both occurrences of the main job checked the export before either imported it.
        var fingerprint = await ExportFingerprint.OfAsync(_h.Export, CancellationToken.None);
        await _h.WriteAsync("assessments.csv", AssessmentHeader, "A-1,P-1,FVC,3.2,L,2024-02-01,,,T-1,,");
        var changed = await ExportFingerprint.OfAsync(_h.Export, CancellationToken.None);
        Assert.NotEqual(fingerprint, changed);
        var importer = _h.Services.GetRequiredService<ClinicImporter>();
        await using (var db = await _h.DbAsync())
        {
            Assert.Equal(1, await db.ImportRuns.CountAsync());
        }

        await importer.ImportAsync(_h.Export, new ImportOptions { Trigger = "scheduled", UnlessImported = changed }, CancellationToken.None);
        var error = await Assert.ThrowsAsync<ImportBusyException>(
            () => importer.ImportAsync(_h.Export, new ImportOptions { Trigger = "scheduled", UnlessImported = changed }, CancellationToken.None));

        Assert.Contains("imported meanwhile", error.Message, StringComparison.Ordinal);
        await using var after = await _h.DbAsync();
        Assert.Equal(2, await after.ImportRuns.CountAsync());
        Assert.Equal(changed, (await after.ImportRuns.OrderBy(r => r.Id).LastAsync()).Fingerprint);
    }

    [Fact]
    public async Task When_patients_csv_is_rejected_rows_of_its_new_patients_are_quarantined_with_that_reason_and_the_rest_go_through()
    {
        await _h.WriteAsync("patients.csv", PatientHeader,
            "P-1,MRN-1,Doe,Jane,female,1960-02-03,ALS,2022-05,spinal,2023-01-10,yes,",
            "P-9,,New,Pat,female,1980-01-01,ALS,,,,yes,,extra");
        await _h.WriteAsync("treatments.csv", TreatmentHeader,
            "T-1,P-1,SC_INTRATHECAL,,2024-01-10,,BM-MNC,autologous,1.2e8,lumbar,1/4,S-1,,",
            "T-2,P-2,NEUROREHAB,,2024-02-01,2024-03-01,,,,,,,,",
            "T-9,P-9,NEUROREHAB,,2024-02-01,,,,,,,,,");

        var summary = await _h.ImportAsync();

        Assert.Equal(FileRules.TooManyCells, summary.Files[0].Problem!.Rule);
        var quarantined = (await _h.OpenQuarantineAsync()).Single(q => q.File == "treatments.csv");
        Assert.Equal(("T-9", IntakeRules.UnknownPatient), (quarantined.RecordId, quarantined.Rule));
        Assert.Contains("patients.csv was rejected", quarantined.Message, StringComparison.Ordinal);
        Assert.Equal(2, summary.Files[1].Unchanged);
        Assert.Equal(3, (await _h.RecordsAsync()).Count(r => r.StartsWith("P ", StringComparison.Ordinal) && r.EndsWith(" kept", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Removing_all_of_a_small_file_is_refused_but_one_record_is_an_ordinary_removal()
    {
        await _h.WriteAsync("assessments.csv", AssessmentHeader);
        var all = await _h.ImportAsync();
        var file = all.Files.Single(f => f.File == "assessments.csv");
        Assert.Equal((0, 5), (file.Removed, file.RemovalsRefused));
        Assert.False(all.IsClean);
        Assert.Contains(all.Warnings, w => w.Contains("5 of 5 stored records", StringComparison.Ordinal));

        await _h.WriteAsync("patients.csv", PatientHeader,
            "P-1,MRN-1,Doe,Jane,female,1960-02-03,ALS,2022-05,spinal,2023-01-10,yes,",
            "P-2,,Roe,John,male,1955,PBP,,,,no,");
        var one = await _h.ImportAsync();
        Assert.Equal(1, one.Files[0].Removed);
        Assert.Equal(5, one.Files[2].RemovalsRefused);

        var forced = await _h.ImportAsync(allowRemovals: true);
        Assert.Equal(5, forced.Files[2].Removed);
    }

    [Fact]
    public async Task An_assessment_naming_another_patients_treatment_is_quarantined_and_an_unknown_treatment_stays_unknown_treatment()
    {
        string[] assessments =
        [
            "A-1,P-1,FVC,3.1,L,2024-02-01,,,T-1,,", "A-2,P-1,WEIGHT,61,kg,2024-02-01,,,,,", "A-3,P-2,FVC,2.9,L,2024-02-01,,,,,",
            "A-4,P-3,PAIN_NRS,4,,2024-02-01,,,,,", "A-5,P-3,HADS_A,7,,2024-02-01,,,,,",
            "X-40,P-1,FVC,4.2,L,2024-03-11,,,T-3,,", "X-41,P-2,FVC,4.2,L,2024-03-11,,,T-1,,", "X-42,P-3,FVC,4.2,L,2024-03-11,,,T-9,,",
        ];
        await _h.WriteAsync("treatments.csv", TreatmentHeader,
            "T-1,P-1,SC_INTRATHECAL,,2024-01-10,,BM-MNC,autologous,1.2e8,lumbar,1/4,S-1,,",
            "T-2,P-2,NEUROREHAB,,2024-02-01,2024-03-01,,,,,,,,",
            "T-3,P-3,NEUROREHAB,,2024-02-01,,,,,,,,,");
        await _h.WriteAsync("assessments.csv", AssessmentHeader, assessments);

        await _h.ImportAsync();

        // T-3 is P-3's (in this export), T-1 is P-1's (in this export and the database), T-9 is nobody's.
        var open = await _h.OpenQuarantineAsync();
        Assert.Equal(
            [("X-40", IntakeRules.TreatmentOfAnotherPatient), ("X-41", IntakeRules.TreatmentOfAnotherPatient), ("X-42", IntakeRules.UnknownTreatment)],
            open.Select(q => (q.RecordId, q.Rule)).OrderBy(q => q.RecordId, StringComparer.Ordinal));
        Assert.All(open, q => Assert.Equal(("assessments.csv", "treatment_id"), (q.File, q.Column)));
        Assert.Contains("treatment T-3 belongs to patient P-3, not to P-1", open.Single(q => q.RecordId == "X-40").Message, StringComparison.Ordinal);

        // Only the database knows the treatments when treatments.csv is rejected whole.
        await _h.WriteAsync("treatments.csv", TreatmentHeader, "T-1,P-2,SC_INTRATHECAL,,2024-01-10,,BM-MNC,autologous,1.2e8,lumbar,1/4,S-1,,,extra");
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. assessments[..5], "X-43,P-2,FVC,4.2,L,2024-03-11,,,T-3,,"]);
        await _h.ImportAsync();
        Assert.Equal(IntakeRules.TreatmentOfAnotherPatient, (await _h.OpenQuarantineAsync()).Single(q => q.RecordId == "X-43").Rule);
        await using var db = await _h.DbAsync();
        Assert.False(await db.Assessments.AnyAsync(a => a.AssessmentId.StartsWith("X-")));
    }

    [Fact]
    public async Task A_missing_export_folder_is_an_error_not_an_empty_export()
    {
        Directory.Delete(_h.Export, recursive: true);

        await Assert.ThrowsAsync<ExportFolderNotFoundException>(() => _h.ImportAsync());
        Assert.Equal(10, (await _h.RecordsAsync()).Count(r => r.EndsWith(" kept", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_sparse_retraction_of_a_delivered_stem_cell_treatment_reaches_the_destination_with_its_cell_product()
    {
        Assert.Equal(0, (await _h.SyncAsync()).Failed);
        await _h.WriteAsync("treatments.csv", TreatmentHeader,
            "T-1,P-1,SC_INTRATHECAL,entered-in-error,,,,,,,,,,",
            "T-2,P-2,NEUROREHAB,,2024-02-01,2024-03-01,,,,,,,,");

        var import = await _h.ImportAsync();

        Assert.True(import.IsClean, string.Join("; ", import.Warnings));
        Assert.Equal(1, import.Files[1].Retracted);
        await using (var db = await _h.DbAsync())
        {
            var stored = await db.Treatments.SingleAsync(t => t.TreatmentId == "T-1");
            Assert.Equal((TreatmentStatus.EnteredInError, "BM-MNC", 1.2e8), (stored.Status, stored.CellType, stored.CellCount));
        }

        var sync = await _h.SyncAsync();
        Assert.Equal((0, 1, 0), (sync.Created, sync.Updated, sync.Failed));
        var procedure = _h.Written().Last(l => l.Contains("\"resourceType\":\"Procedure\"", StringComparison.Ordinal) && l.Contains("T-1", StringComparison.Ordinal));
        Assert.Contains("\"status\":\"entered-in-error\"", procedure, StringComparison.Ordinal);
        Assert.Contains("BiologicallyDerivedProduct", procedure, StringComparison.Ordinal);

        var again = await _h.ImportAsync();
        Assert.Equal(0, again.Files[1].Retracted);
        Assert.Equal(0, (await _h.SyncAsync()).Updated);
    }

    [Fact]
    public async Task A_retraction_of_a_record_no_destination_received_sends_nothing_and_one_naming_another_patient_is_quarantined()
    {
        await _h.WriteAsync("assessments.csv", AssessmentHeader,
            "A-1,P-1,FVC,3.1,L,2024-02-01,,,T-1,,", "A-2,P-1,WEIGHT,61,kg,2024-02-01,,,,,", "A-3,P-2,FVC,2.9,L,2024-02-01,,,,,",
            "A-4,P-3,PAIN_NRS,4,,2024-02-01,,,,entered-in-error,", "A-5,P-2,HADS_A,,,,,,,entered-in-error,", "A-8,P-3,FVC,,,,,,,entered-in-error,");

        var import = await _h.ImportAsync();

        Assert.Equal(1, import.Files[2].Retracted);
        var mismatch = Assert.Single(await _h.OpenQuarantineAsync());
        Assert.Equal(("A-5", IntakeRules.RetractionMismatch, "patient_id"), (mismatch.RecordId, mismatch.Rule, mismatch.Column));
        await using (var db = await _h.DbAsync())
        {
            Assert.Equal(AssessmentStatus.Final, (await db.Assessments.SingleAsync(a => a.AssessmentId == "A-5")).Status);
            Assert.False(await db.Assessments.AnyAsync(a => a.AssessmentId == "A-8"));
        }

        var sync = await _h.SyncAsync();
        Assert.DoesNotContain(_h.Written(), l => l.Contains("entered-in-error", StringComparison.Ordinal));
        Assert.Equal(0, sync.Failed);
    }

    [Fact]
    public async Task An_assessment_called_like_a_panel_never_meets_the_panel_the_adapter_makes_and_nothing_flips_between_syncs()
    {
        await _h.WriteAsync("assessments.csv", AssessmentHeader,
            "A-1,P-1,FVC,3.1,L,2024-02-01,,,T-1,,", "A-2,P-1,WEIGHT,61,kg,2024-02-01,,,,,", "A-3,P-2,FVC,2.9,L,2024-02-01,,,,,",
            "A-4,P-3,PAIN_NRS,4,,2024-02-01,,,,,", "A-5,P-3,HADS_A,7,,2024-02-01,,,,,",
            "I-1,P-1,ALSFRSR_01,4,,2024-02-01,AP1,,,,", "I-2,P-1,ALSFRSR_TOTAL,40,,2024-02-01,AP1,,,,",
            "panel-AP1,P-1,FVC,3.0,L,2024-03-01,,,,,", "panel:ALSFRSR:AP1,P-1,FVC,3.0,L,2024-03-01,,,,,");

        var import = await _h.ImportAsync();
        var first = await _h.SyncAsync();
        var second = await _h.SyncAsync();

        var rejected = Assert.Single(await _h.OpenQuarantineAsync());
        Assert.Equal(("assessment_id", IntakeRules.InvalidId), (rejected.Column, rejected.Rule));
        Assert.Equal(0, first.Failed);
        Assert.Equal((0, 0, first.Considered), (second.Created, second.Updated, second.Unchanged));
        var observations = _h.Written().Where(l => l.Contains("\"resourceType\":\"Observation\"", StringComparison.Ordinal)).ToList();
        Assert.Single(observations, l => l.Contains("\"value\":\"panel-AP1\"", StringComparison.Ordinal));
        Assert.Single(observations, l => l.Contains("\"value\":\"panel:ALSFRSR:AP1\"", StringComparison.Ordinal));
        Assert.False(import.IsClean);
    }

    [Fact]
    public async Task A_panel_total_is_stored_when_it_matches_its_items_and_quarantined_when_not_wherever_it_stands_in_the_file()
    {
        static IEnumerable<string> Items(string prefix, string panel, int value) =>
            Enumerable.Range(1, 12).Select(i => $"{prefix}-{i},P-1,ALSFRSR_{i:00},{value},,2024-02-01,{panel},,,,");
        await _h.WriteAsync("assessments.csv", AssessmentHeader,
        [
            .. Items("A", "AP1", 3), "A-13,P-1,ALSFRSR_TOTAL,36,,2024-02-01,AP1,,,,",
            "B-13,P-1,ALSFRSR_TOTAL,24,,2024-02-01,AP2,,,,", .. Items("B", "AP2", 2),
            "C-13,P-1,ALSFRSR_TOTAL,40,,2024-02-01,AP3,,,,", .. Items("C", "AP3", 1),
            "D-13,P-1,ALSFRSR_TOTAL,4,,2024-02-01,AP4,,,,", "D-1,P-1,ALSFRSR_01,4,,2024-02-01,AP4,,,,",
        ]);

        var import = await _h.ImportAsync();

        var rejected = Assert.Single(await _h.OpenQuarantineAsync());
        Assert.Equal(("C-13", IntakeRules.PanelTotalMismatch, 28L), (rejected.RecordId, rejected.Rule, rejected.Line));
        Assert.Equal(1, import.Rejected);
        await using var db = await _h.DbAsync();
        var stored = await db.Assessments.AsNoTracking().Select(a => a.AssessmentId).ToListAsync();
        Assert.Equal(40, stored.Count);
        Assert.Contains("A-13", stored);
        Assert.Contains("B-13", stored);
        Assert.Contains("D-13", stored);
        Assert.DoesNotContain("C-13", stored);
    }

    [Fact]
    public async Task A_panel_id_of_another_patient_is_quarantined_the_first_patient_met_keeps_the_panel_and_the_sync_makes_one_panel_per_patient()
    {
        string[] assessments =
        [
            "A-1,P-1,FVC,3.1,L,2024-02-01,,,T-1,,", "A-2,P-1,WEIGHT,61,kg,2024-02-01,,,,,", "A-3,P-2,FVC,2.9,L,2024-02-01,,,,,",
            "A-4,P-3,PAIN_NRS,4,,2024-02-01,,,,,", "A-5,P-3,HADS_A,7,,2024-02-01,,,,,",
            "ZP2-01,P-1,ALSFRSR_01,4,,2024-04-02,ZP-2,,,,", "ZP2-02,P-2,ALSFRSR_02,4,,2024-04-02,ZP-2,,,,", "ZP2-03,P-1,ALSFRSR_02,3,,2024-04-02,ZP-2,,,,",
        ];
        await _h.WriteAsync("assessments.csv", AssessmentHeader, assessments);

        var import = await _h.ImportAsync();

        var rejected = Assert.Single(await _h.OpenQuarantineAsync());
        Assert.Equal(("ZP2-02", IntakeRules.PanelOfAnotherPatient, "panel_id", 8L), (rejected.RecordId, rejected.Rule, rejected.Column, rejected.Line));
        Assert.Contains("panel ZP-2 already holds rows of patient P-1, not P-2", rejected.Message, StringComparison.Ordinal);
        Assert.Equal(1, import.Rejected);
        Assert.Equal(0, (await _h.SyncAsync()).Failed);
        var panels = _h.Written().Where(l => l.Contains("panel:ALSFRSR:ZP-2", StringComparison.Ordinal) && l.Contains("\"resourceType\":\"Observation\"", StringComparison.Ordinal)).ToList();
        Assert.Single(panels);

        // What was imported before keeps the panel, even when the other patient's row now comes first in the file.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. assessments[..5], "ZP2-02,P-2,ALSFRSR_02,4,,2024-04-02,ZP-2,,,,", .. assessments[5..6], .. assessments[7..]]);
        await _h.ImportAsync();
        Assert.Equal(("ZP2-02", 7L), (await _h.OpenQuarantineAsync()).Select(q => (q.RecordId!, q.Line)).Single());
        await using var db = await _h.DbAsync();
        Assert.Equal(["P-1"], await db.Assessments.Where(a => a.PanelId == "ZP-2").Select(a => a.PatientId).Distinct().ToListAsync());
    }

    [Fact]
    public async Task An_item_repeated_in_a_panel_is_quarantined_the_rest_of_the_panel_imports_and_an_item_imported_before_keeps_its_place()
    {
        string[] baseline =
        [
            "A-1,P-1,FVC,3.1,L,2024-02-01,,,T-1,,", "A-2,P-1,WEIGHT,61,kg,2024-02-01,,,,,", "A-3,P-2,FVC,2.9,L,2024-02-01,,,,,",
            "A-4,P-3,PAIN_NRS,4,,2024-02-01,,,,,", "A-5,P-3,HADS_A,7,,2024-02-01,,,,,",
        ];
        string Item(string id, int item, int value = 3, string panel = "RP-1") => $"{id},P-1,ALSFRSR_{item:00},{value},,2024-04-02,{panel},,,,";
        string[] panel = [.. Enumerable.Range(1, 12).Select(i => Item($"R-{i:00}", i)), "R-13,P-1,ALSFRSR_TOTAL,36,,2024-04-02,RP-1,,,,"];
        string[] open = [.. Enumerable.Range(1, 11).Select(i => Item($"S-{i:00}", i, panel: "RP-2"))];
        await _h.WriteAsync("assessments.csv", AssessmentHeader,
            [.. baseline, .. panel, Item("R-03b", 3, value: 1), .. open[..5], Item("S-05b", 5, panel: "RP-2"), .. open[5..]]);

        var import = await _h.ImportAsync();

        // Line 20: a repeat once RP-1 is complete; line 26: 11 items of RP-2 and a repeat (before, RP-2 looked incomplete).
        var quarantined = await _h.OpenQuarantineAsync();
        Assert.Equal(
            ["assessments.csv 20 code R-03b panel-item-repeated", "assessments.csv 26 code S-05b panel-item-repeated"],
            quarantined.Select(q => $"{q.File} {q.Line} {q.Column} {q.RecordId} {q.Rule}"));
        Assert.Contains("ALSFRSR_03 appears twice in panel RP-1", quarantined[0].Message, StringComparison.Ordinal);
        Assert.Equal((2, 24), (import.Rejected, import.Files[2].Created));
        Assert.Equal(0, (await _h.SyncAsync()).Failed);
        var members = _h.Written().Select(l => JsonNode.Parse(l)!).Single(r => (string?)r["identifier"]?[0]?["value"] == "panel:ALSFRSR:RP-1")["hasMember"]!.AsArray();
        Assert.Equal(13, members.Count);
        Assert.DoesNotContain(members, m => (string?)m!["identifier"]?["value"] == "R-03b");

        // An item imported before keeps its place: a new row for it is the repeat, even above it in the file; the row
        // imported before, exported again, is no repeat.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. baseline, Item("N-03", 3), .. panel, .. open]);
        var second = await _h.ImportAsync();
        var repeat = Assert.Single(await _h.OpenQuarantineAsync(), q => q.RecordId == "N-03");
        Assert.Equal((7L, IntakeRules.PanelItemRepeated), (repeat.Line, repeat.Rule));
        Assert.Equal((0, 1), (second.Files[2].Created, second.Rejected));

        // Retracted above the new row, the item imported before gives its place up.
        await _h.WriteAsync("assessments.csv", AssessmentHeader,
            [.. baseline, .. panel[..2], "R-03,P-1,ALSFRSR_03,,,,,,,entered-in-error,", Item("N-03", 3), .. panel[3..], .. open]);
        var third = await _h.ImportAsync();
        Assert.Equal((1, 1, 0), (third.Files[2].Created, third.Files[2].Retracted, third.Rejected));
        Assert.DoesNotContain(await _h.OpenQuarantineAsync(), q => q.RecordId == "N-03");
    }

    [Fact]
    public async Task A_panel_row_days_away_from_its_panels_first_row_is_quarantined_and_one_of_the_next_day_imported_with_a_warning()
    {
        await _h.WriteAsync("assessments.csv", AssessmentHeader,
        [
            "A-1,P-1,FVC,3.1,L,2024-02-01,,,T-1,,", "A-2,P-1,WEIGHT,61,kg,2024-02-01,,,,,", "A-3,P-2,FVC,2.9,L,2024-02-01,,,,,",
            "A-4,P-3,PAIN_NRS,4,,2024-02-01,,,,,", "A-5,P-3,HADS_A,7,,2024-02-01,,,,,",
            .. Enumerable.Range(1, 10).Select(i => $"D-{i:00},P-1,ALSFRSR_{i:00},3,,2024-04-02T23:40:00+02:00,DP-1,,,,"),
            "D-11,P-1,ALSFRSR_11,3,,2024-04-03T00:05:00+02:00,DP-1,,,,",     // line 17: over midnight
            "D-12,P-1,ALSFRSR_12,3,,2024-06-14,DP-1,,,,",                    // line 18: the June visit, under the April panel_id
            "D-13,P-1,ALSFRSR_TOTAL,36,,2024-04-02,DP-1,,,,",
        ]);

        var import = await _h.ImportAsync();

        var rejected = Assert.Single(await _h.OpenQuarantineAsync());
        Assert.Equal(("assessments.csv", 18L, "effective", "D-12", IntakeRules.PanelDatesDiffer), (rejected.File, rejected.Line, rejected.Column, rejected.RecordId, rejected.Rule));
        Assert.Equal((1, 12), (import.Rejected, import.Files[2].Created));
        Assert.Single(import.Warnings, w => w.StartsWith("assessments.csv:17: assessment D-11 of panel DP-1 is dated the day after", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_retracted_panel_item_leaves_the_panels_members_and_the_panel_is_still_delivered_when_the_item_never_was()
    {
        string[] baseline =
        [
            "A-1,P-1,FVC,3.1,L,2024-02-01,,,T-1,,", "A-2,P-1,WEIGHT,61,kg,2024-02-01,,,,,", "A-3,P-2,FVC,2.9,L,2024-02-01,,,,,",
            "A-4,P-3,PAIN_NRS,4,,2024-02-01,,,,,", "A-5,P-3,HADS_A,7,,2024-02-01,,,,,",
        ];
        string[] panel = [.. Enumerable.Range(1, 12).Select(i => $"E-{i:00},P-1,ALSFRSR_{i:00},3,,2024-05-06,EP-1,,,,"), "E-13,P-1,ALSFRSR_TOTAL,36,,2024-05-06,EP-1,,,,"];
        List<string> Members() => _h.Written().Select(l => JsonNode.Parse(l)!)
            .Last(r => (string?)r["identifier"]?[0]?["value"] == "panel:ALSFRSR:EP-1")["hasMember"]!.AsArray()
            .Select(m => (string)m!["identifier"]!["value"]!).ToList();
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. baseline, .. panel]);
        await _h.ImportAsync();

        // Retracted before any sync: the item is never sent, and the panel, which referred to it, waited for it forever.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. baseline, .. panel[..4], "E-05,P-1,ALSFRSR_05,,,,,,,entered-in-error,", .. panel[5..]]);
        Assert.Equal(1, (await _h.ImportAsync()).Files[2].Retracted);
        var first = await _h.SyncAsync();
        Assert.Equal((0, 0), (first.Failed, first.Blocked));
        Assert.Equal(12, Members().Count);
        Assert.DoesNotContain("E-05", Members());

        // Retracted after delivery: the total goes as entered-in-error (and so does the measure derived from it) and
        // leaves the panel, which is updated.
        await _h.WriteAsync("assessments.csv", AssessmentHeader, [.. baseline, .. panel[..4], "E-05,P-1,ALSFRSR_05,,,,,,,entered-in-error,", .. panel[5..12], "E-13,P-1,ALSFRSR_TOTAL,,,,,,,entered-in-error,"]);
        Assert.Equal(1, (await _h.ImportAsync()).Files[2].Retracted);
        var second = await _h.SyncAsync();
        Assert.Equal((0, 3), (second.Failed, second.Updated));
        Assert.Equal(11, Members().Count);
        Assert.DoesNotContain("E-13", Members());
    }

    [Fact]
    public async Task A_panel_id_on_a_measure_of_no_panel_is_imported_with_a_warning_and_never_takes_the_panel_from_its_patient()
    {
        string[] assessments =
        [
            "A-1,P-1,FVC,3.1,L,2024-02-01,,,T-1,,", "A-2,P-1,WEIGHT,61,kg,2024-02-01,,,,,", "A-3,P-2,FVC,2.9,L,2024-02-01,,,,,",
            "A-4,P-3,PAIN_NRS,4,,2024-02-01,,,,,", "A-5,P-3,HADS_A,7,,2024-02-01,,,,,",
            "G-1,P-2,FVC,2.8,L,2024-07-01,GP-1,,,,",   // line 7: another patient's FVC, with the panel_id of P-1's administration
            .. Enumerable.Range(1, 12).Select(i => $"G-{i + 1:00},P-1,ALSFRSR_{i:00},3,,2024-07-01,GP-1,,,,"),
            "G-14,P-1,ALSFRSR_TOTAL,36,,2024-07-01,GP-1,,,,",
        ];
        await _h.WriteAsync("assessments.csv", AssessmentHeader, assessments);

        var first = await _h.ImportAsync();
        var second = await _h.ImportAsync();

        Assert.True(first.IsClean, string.Join("; ", (await _h.OpenQuarantineAsync()).Select(q => q.Message)));
        Assert.Equal(14, first.Files[2].Created);
        Assert.Equal(
            ["assessments.csv:7: assessment G-1: FVC is not an item of a questionnaire panel (ALSFRSR), so its panel_id GP-1 groups nothing and is not used; the row is imported"],
            first.Warnings.Where(w => w.Contains("panel", StringComparison.Ordinal)));
        Assert.True(second.IsClean, string.Join("; ", (await _h.OpenQuarantineAsync()).Select(q => q.Message)));
        Assert.Equal(0, (await _h.SyncAsync()).Failed);
        Assert.Single(_h.Written(), l => l.Contains("\"value\":\"panel:ALSFRSR:GP-1\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_import_never_runs_beside_a_sync_and_a_sync_never_beside_an_import()
    {
        await using var db = await _h.DbAsync();
        var leases = new DestinationLeaseStore(db);
        Assert.True(await leases.TryAcquireLeaseAsync("files", LeaseHolder.New(), TimeSpan.FromMinutes(5), CancellationToken.None));

        var busy = await Assert.ThrowsAsync<ImportBusyException>(() => _h.ImportAsync());
        Assert.Contains("files", busy.Message, StringComparison.Ordinal);
        await db.DestinationLeases.ExecuteDeleteAsync();

        Assert.True(await leases.TryAcquireLeaseAsync(DestinationLeaseStore.ImportLease, LeaseHolder.New(), TimeSpan.FromMinutes(5), CancellationToken.None));
        var blocked = await Assert.ThrowsAsync<SyncAlreadyRunningException>(() => _h.SyncAsync());
        Assert.Contains("import", blocked.Message, StringComparison.Ordinal);
        Assert.False(await db.SyncRuns.AnyAsync());
    }

    [Fact]
    public async Task The_import_lease_of_a_process_that_died_is_taken_over_and_its_run_marked_failed()
    {
        await using (var db = await _h.DbAsync())
        {
            var dead = $"{Environment.MachineName}:{int.MaxValue - 7}:{Guid.NewGuid():N}";
            Assert.True(await new DestinationLeaseStore(db).TryAcquireLeaseAsync(DestinationLeaseStore.ImportLease, dead, TimeSpan.FromHours(2), CancellationToken.None));
            db.ImportRuns.Add(new ImportRun { Folder = _h.Export, Trigger = "manual", StartedAt = DateTimeOffset.UtcNow, Outcome = ImportOutcome.Running });
            await db.SaveChangesAsync();
        }

        Assert.True((await _h.ImportAsync()).IsClean);

        await using var check = await _h.DbAsync();
        var runs = await check.ImportRuns.OrderBy(r => r.Id).ToListAsync();
        Assert.Equal([ImportOutcome.Succeeded, ImportOutcome.Failed, ImportOutcome.Succeeded], runs.Select(r => r.Outcome));
        Assert.Contains("stopped before it finished", runs[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_import_stopped_halfway_keeps_nothing_of_itself_and_is_recorded_failed()
    {
        var before = await _h.RecordsAsync();
        await _h.WriteAsync("assessments.csv", AssessmentHeader,
            [.. Enumerable.Range(1, 20_000).Select(i => $"N-{i},P-1,FVC,3.{i % 10},L,2024-02-01,,,,,")]);
        using var cts = new CancellationTokenSource();

        // Cancelled at the fifth progress report of assessments.csv (5,000 rows read, several batches already written in
        // the import's transaction), whatever the machine's speed.
        var importer = ActivatorUtilities.CreateInstance<ClinicImporter>(_h.Services, new CancelAtReport(cts, "import assessments.csv", 5));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => importer.ImportAsync(_h.Export, new ImportOptions(), cts.Token));

        Assert.Equal(before, await _h.RecordsAsync());
        await using var check = await _h.DbAsync();
        Assert.Equal(ImportOutcome.Failed, (await check.ImportRuns.OrderBy(r => r.Id).LastAsync()).Outcome);
        Assert.False(await check.DestinationLeases.AnyAsync());
    }

    private sealed class CancelAtReport(CancellationTokenSource cts, string stage, int report) : MndFhir.Sync.Progress.IRunProgress
    {
        private int _seen;

        public void Report(MndFhir.Sync.Progress.RunProgress progress)
        {
            if (progress.Stage == stage && !progress.Finished && ++_seen == report)
            {
                cts.Cancel();
            }
        }
    }
}
