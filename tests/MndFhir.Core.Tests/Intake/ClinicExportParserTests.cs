using MndFhir.Intake;
using MndFhir.Records;
using static MndFhir.Core.Tests.Intake.ParserHarness;

namespace MndFhir.Core.Tests.Intake;

public sealed class ClinicExportParserTests
{
    private const string AssessmentHeader = "assessment_id,patient_id,code,value,unit,effective,panel_id,body_site,treatment_id,status,note\n";
    private const string TreatmentHeader = "treatment_id,patient_id,code,status,performed_start,performed_end,cell_type,cell_source,cell_count,body_site,cycle,performer,complication,note\n";

    [Fact]
    public async Task The_bad_sample_export_rejects_each_broken_row_with_file_line_column_and_rule_and_keeps_the_rest()
    {
        var folder = Path.Combine(RepositoryPaths.Samples, "bad-export");
        var parser = new ClinicExportParser();
        var patientIds = new Dictionary<string, ClinicDate>();
        var context = Context(patientIds, _ => true);
        var rejections = new List<RowRejection>();
        var accepted = 0;
        using (var reader = new StreamReader(Path.Combine(folder, "patients.csv")))
        {
            await foreach (var row in parser.ReadPatientsAsync(reader, context, CancellationToken.None))
            {
                if (row.Record is { } p)
                {
                    patientIds[p.PatientId] = p.BirthDate;
                    accepted++;
                }
                else
                {
                    rejections.Add(row.Rejection!);
                }
            }
        }

        foreach (var (file, read) in new (string, Func<TextReader, IAsyncEnumerable<object>>)[]
        {
            ("treatments.csv", r => parser.ReadTreatmentsAsync(r, context, CancellationToken.None).Select(x => (object)x)),
            ("assessments.csv", r => parser.ReadAssessmentsAsync(r, context, CancellationToken.None).Select(x => (object)x)),
        })
        {
            using var reader = new StreamReader(Path.Combine(folder, file));
            await foreach (var row in read(reader))
            {
                switch (row)
                {
                    case ParsedRow<TreatmentRecord> { Rejection: { } r }: rejections.Add(r); break;
                    case ParsedRow<AssessmentRecord> { Rejection: { } r }: rejections.Add(r); break;
                    default: accepted++; break;
                }
            }
        }

        var found = rejections.Select(r => $"{r.File}:{r.Line}:{r.Column}:{r.Rule}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            new[]
            {
                "assessments.csv:10:effective:invalid-date",
                "assessments.csv:5:code:unknown-code",
                "assessments.csv:7:value:value-out-of-range",
                "assessments.csv:8:unit:unit-not-allowed",
                "patients.csv:4:sex:missing-value",
                "treatments.csv:4:performed_end:end-before-start",
                "treatments.csv:6:patient_id:unknown-patient",
                "treatments.csv:7:treatment_id:duplicate-id",
            },
            found);
        Assert.Equal(11, accepted);
        Assert.All(rejections, r => Assert.Contains($"line {r.Line}", r.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Columns_may_come_in_any_order_and_unknown_columns_are_ignored_with_a_warning()
    {
        var context = Context();
        var rows = await PatientsAsync(
            "\uFEFFSex,extra_column,Patient_ID,birth_date,diagnosis,registry_consent\nfemale,x,P-7,1950,ALS,no\n",
            context);

        var patient = Assert.Single(rows).Record!;
        Assert.Equal("P-7", patient.PatientId);
        Assert.Equal(Sex.Female, patient.Sex);
        Assert.Equal(DatePrecision.Year, patient.BirthDate.Precision);
        Assert.Contains(context.Warnings, w => w.Message.Contains("extra_column", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_quoted_cell_spanning_lines_keeps_the_following_rows_line_numbers_right()
    {
        var rows = await TreatmentsAsync(
            TreatmentHeader +
            "T-1,P-1,NEUROREHAB,,2024-01-01,2024-02-01,,,,,,,,\"two\nlines, with a comma\"\n" +
            "T-2,P-1,NEUROREHAB,,2024-03-01,2024-02-01,,,,,,,,\n");

        Assert.Equal("two\nlines, with a comma", rows[0].Record!.Note);
        Assert.Equal(4, rows[1].Line);
        Assert.Equal(IntakeRules.EndBeforeStart, rows[1].Rejection!.Rule);
    }

    [Fact]
    public async Task A_stem_cell_treatment_needs_its_cell_product_and_a_valid_cycle()
    {
        var rows = await TreatmentsAsync(
            TreatmentHeader +
            "T-1,P-1,SC_INTRATHECAL,,2024-01-01,,,,,lumbar,1/4,S-1,,\n" +
            "T-2,P-1,SC_INTRATHECAL,,2024-01-01,,BM-MNC,autologous,1.2e8,lumbar,5/4,S-1,,\n" +
            "T-3,P-1,SC_INTRATHECAL,,2024-01-01,,BM-MNC,autologous,1.2e8,lumbar,2/4,S-1,,\n");

        Assert.Equal(IntakeRules.MissingCellProduct, rows[0].Rejection!.Rule);
        Assert.Equal(IntakeRules.InvalidCycle, rows[1].Rejection!.Rule);
        var ok = rows[2].Record!;
        Assert.Equal((2, 4), (ok.CycleNumber, ok.CycleTotal));
        Assert.Equal(1.2e8, ok.CellCount);
    }

    [Fact]
    public async Task Ranges_are_checked_after_unit_conversion()
    {
        var rows = await AssessmentsAsync(
            AssessmentHeader +
            "A-1,P-1,FVC,2340,ml,2024-01-01,,,,,\n" +
            "A-2,P-1,FVC,9500,ml,2024-01-01,,,,,\n" +
            "A-3,P-1,WEIGHT,154,lb,2024-01-01,,,,,\n" +
            "A-4,P-1,WEIGHT,700,lb,2024-01-01,,,,,\n" +
            "A-5,P-1,FVC,2.3,,2024-01-01,,,,,\n");

        Assert.NotNull(rows[0].Record);
        Assert.Equal(IntakeRules.ValueOutOfRange, rows[1].Rejection!.Rule);
        Assert.NotNull(rows[2].Record);
        Assert.Equal(IntakeRules.ValueOutOfRange, rows[3].Rejection!.Rule);
        Assert.Equal(IntakeRules.UnitNotAllowed, rows[4].Rejection!.Rule);
    }

    [Fact]
    public async Task Ordinal_yes_no_and_body_site_rules_follow_the_mapping()
    {
        var rows = await AssessmentsAsync(
            AssessmentHeader +
            "A-1,P-1,MAS,1+,,2024-01-01,,elbow-flexors-left,,,\n" +
            "A-2,P-1,MAS,5,,2024-01-01,,elbow-flexors-left,,,\n" +
            "A-3,P-1,MAS,2,,2024-01-01,,,,,\n" +
            "A-4,P-1,FEEDS_INDEPENDENTLY,maybe,,2024-01-01,,,,,\n" +
            "A-5,P-1,GRIP,30,kg,2024-01-01,,elbow,,,\n" +
            "A-6,P-1,ALSFRSR_01,3,,2024-01-01,,,,entered-in-error,\n" +
            "A-7,P-1,ALSFRSR_01,,,2024-01-01,,,,entered-in-error,\n" +
            "A-8,P-1,ALSFRSR_01,,,2024-01-01,,,,,\n");

        Assert.Equal("1+", rows[0].Record!.Value);
        Assert.Equal(IntakeRules.InvalidValue, rows[1].Rejection!.Rule);
        Assert.Equal(IntakeRules.BodySiteRequired, rows[2].Rejection!.Rule);
        Assert.Equal(IntakeRules.InvalidValue, rows[3].Rejection!.Rule);
        Assert.Equal(IntakeRules.UnknownBodySite, rows[4].Rejection!.Rule);
        Assert.NotNull(rows[5].Record);
        Assert.NotNull(rows[6].Record);
        Assert.Equal(IntakeRules.MissingValue, rows[7].Rejection!.Rule);
    }

    [Fact]
    public async Task Partial_dates_are_accepted_only_where_the_contract_allows_them()
    {
        var rows = await PatientsAsync(
            "patient_id,sex,birth_date,diagnosis,onset_date,diagnosis_date,registry_consent\n" +
            "P-1,male,1950-03,ALS,2022-09,2023-01-15,yes\n" +
            "P-2,male,1950-03,ALS,2022-09,2023-01,yes\n");

        Assert.NotNull(rows[0].Record);
        Assert.Equal(IntakeRules.PartialDateNotAllowed, rows[1].Rejection!.Rule);
        Assert.Equal("diagnosis_date", rows[1].Rejection!.Column);
    }

    [Fact]
    public async Task Messages_never_repeat_names_or_birth_dates()
    {
        var rows = await PatientsAsync(
            "patient_id,family_name,given_name,sex,birth_date,diagnosis,registry_consent\n" +
            "P-1,Quillborne,Jorvath,male,1950-02-30,ALS,yes\n");

        var rejection = rows.Single().Rejection!;
        Assert.Equal(IntakeRules.InvalidDate, rejection.Rule);
        Assert.DoesNotContain("1950-02-30", rejection.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Quillborne", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_content_hash_ignores_column_order_and_whitespace_but_not_content()
    {
        var a = (await PatientsAsync("patient_id,sex,birth_date,diagnosis,registry_consent\nP-1,male,1950,ALS,yes\n")).Single().Record!;
        var b = (await PatientsAsync("registry_consent,diagnosis,birth_date,sex,patient_id\n yes , ALS ,1950,male,P-1\n")).Single().Record!;
        var c = (await PatientsAsync("patient_id,sex,birth_date,diagnosis,registry_consent\nP-1,male,1950,ALS,no\n")).Single().Record!;

        Assert.Equal(a.ContentHash, b.ContentHash);
        Assert.NotEqual(a.ContentHash, c.ContentHash);
    }

    [Fact]
    public async Task An_identical_repeated_row_is_skipped_with_a_warning()
    {
        var context = Context();
        var rows = await PatientsAsync("patient_id,sex,birth_date,diagnosis,registry_consent\nP-1,male,1950,ALS,yes\nP-1,male,1950,ALS,yes\n", context);

        Assert.Single(rows);
        Assert.Contains(context.Warnings, w => w.Line == 3);
    }

    [Fact]
    public async Task A_panel_total_that_disagrees_with_its_twelve_items_is_rejected_and_the_items_kept()
    {
        var csv = AssessmentHeader
            + string.Concat(Enumerable.Range(1, 12).Select(i => $"A-{i},P-1,ALSFRSR_{i:00},3,,2024-01-01,AP-1,,,,\n"))
            + "A-13,P-1,ALSFRSR_TOTAL,35,,2024-01-01,AP-1,,,,\n"
            + string.Concat(Enumerable.Range(1, 12).Select(i => $"B-{i},P-1,ALSFRSR_{i:00},2,,2024-02-01,AP-2,,,,\n"))
            + "B-13,P-1,ALSFRSR_TOTAL,24,,2024-02-01,AP-2,,,,\n";
        var rows = await AssessmentsAsync(csv);
        var check = new PanelConsistencyCheck(Rules);
        foreach (var row in rows)
        {
            check.Add(row.Record!, row.Line);
        }

        var rejection = Assert.Single(check.Complete());
        Assert.Equal("A-13", rejection.RecordId);
        Assert.Equal(14, rejection.Line);
        Assert.Equal(IntakeRules.PanelTotalMismatch, rejection.Rule);
    }

    [Fact]
    public async Task A_panel_total_read_before_its_items_is_held_until_the_last_item_and_every_total_of_a_complete_panel_is_checked()
    {
        var csv = AssessmentHeader
            + "A-13,P-1,ALSFRSR_TOTAL,35,,2024-01-01,AP-1,,,,\n"
            + string.Concat(Enumerable.Range(1, 12).Select(i => $"A-{i},P-1,ALSFRSR_{i:00},3,,2024-01-01,AP-1,,,,\n"))
            + "A-14,P-1,ALSFRSR_TOTAL,36,,2024-01-01,AP-1,,,,\n"
            + "A-15,P-1,ALSFRSR_01,4,,2024-01-01,AP-1,,,,\n"
            + "B-13,P-1,ALSFRSR_TOTAL,3,,2024-02-01,AP-2,,,,\n"
            + "B-1,P-1,ALSFRSR_01,3,,2024-02-01,AP-2,,,,\n";
        var rows = await AssessmentsAsync(csv);
        var check = new PanelConsistencyCheck(Rules);
        var decided = new List<PanelDecision>();
        foreach (var row in rows)
        {
            var taken = check.Add(row.Record!, row.Line);
            Assert.Equal(row.Record!.Code == "ALSFRSR_TOTAL" || row.Record.AssessmentId == "A-15", taken);
            if (row.Line <= 13)
            {
                Assert.Empty(check.TakeDecided());
            }
            else
            {
                decided.AddRange(check.TakeDecided());
            }
        }

        // A-13 disagrees with the items (36), A-14 agrees: a repeated item does not count twice, it is rejected.
        Assert.Equal(["A-13", "A-14", "A-15"], decided.Select(d => d.Record.AssessmentId));
        Assert.Equal(IntakeRules.PanelTotalMismatch, decided[0].Rejection?.Rule);
        Assert.Equal(2, decided[0].Line);
        Assert.Null(decided[1].Rejection);
        Assert.Equal(IntakeRules.PanelItemRepeated, decided[2].Rejection?.Rule);

        // AP-2 never got all its items: its total is handed back unchecked at the end.
        check.Finish();
        var rest = Assert.Single(check.TakeDecided());
        Assert.Equal("B-13", rest.Record.AssessmentId);
        Assert.Null(rest.Rejection);
    }

    [Fact]
    public async Task An_item_repeated_in_a_panel_is_rejected_as_panel_item_repeated_whether_its_panel_is_open_or_complete_and_the_first_row_counts()
    {
        var csv = AssessmentHeader
            + string.Concat(Enumerable.Range(1, 11).Select(i => $"A-{i},P-1,ALSFRSR_{i:00},3,,2024-01-01,AP-1,,,,\n"))
            + "A-5b,P-1,ALSFRSR_05,4,,2024-01-01,AP-1,,,,\n"       // line 13: 11 items and a repeat, the panel still open
            + "A-12,P-1,ALSFRSR_12,3,,2024-01-01,AP-1,,,,\n"       // line 14: the twelfth item
            + "A-13,P-1,ALSFRSR_TOTAL,36,,2024-01-01,AP-1,,,,\n"   // line 15: the sum of the first rows
            + "A-1b,P-1,ALSFRSR_01,0,,2024-01-01,AP-1,,,,\n"       // line 16: a repeat once the panel is complete
            + "A-14,P-1,ALSFRSR_TOTAL,36,,2024-01-01,AP-1,,,,\n"   // line 17: a second total
            + "B-13,P-1,ALSFRSR_TOTAL,7,,2024-02-01,AP-2,,,,\n"    // an incomplete panel: its totals are not summed,
            + "B-14,P-1,ALSFRSR_TOTAL,7,,2024-02-01,AP-2,,,,\n";   // line 19: but one of them is a repeat
        var check = new PanelConsistencyCheck(Rules);
        var decided = new List<PanelDecision>();
        foreach (var row in await AssessmentsAsync(csv))
        {
            Assert.Null(row.Rejection);
            if (check.Add(row.Record!, row.Line))
            {
                decided.AddRange(check.TakeDecided());
            }
        }

        check.Finish();
        decided.AddRange(check.TakeDecided());

        Assert.Equal(
            ["A-5b 13 panel-item-repeated", "A-13 15 ", "A-1b 16 panel-item-repeated", "A-14 17 panel-item-repeated", "B-13 18 ", "B-14 19 panel-item-repeated"],
            decided.Select(d => $"{d.Record.AssessmentId} {d.Line} {d.Rejection?.Rule}"));
        var repeat = decided[0].Rejection!;
        Assert.Equal(("assessments.csv", "code", "A-5b"), (repeat.File, repeat.Column, repeat.RecordId));
        Assert.StartsWith("assessments.csv line 13, column code: ALSFRSR_05 appears twice in panel AP-1", repeat.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_item_imported_before_keeps_its_place_and_a_new_row_for_it_is_the_repeat_unless_the_file_retracted_or_moved_it_above_or_below()
    {
        var imported = new PanelItemHolders(8);
        imported.Add("AP-1", "ALSFRSR_01", "OLD-1");
        imported.Add("AP-1", "ALSFRSR_02", "OLD-2");
        imported.Add("AP-1", "ALSFRSR_03", "OLD-3");
        imported.Add("AP-1", "ALSFRSR_05", "OLD-5");
        imported.Add("AP-1", "ALSFRSR_06", "OLD-6");
        var csv = AssessmentHeader
            + "NEW-1,P-1,ALSFRSR_01,3,,2024-01-01,AP-1,,,,\n"      // line 2: OLD-1 holds item 01 (its row comes later, in force): the new row is the repeat, known at the end
            + "OLD-1,P-1,ALSFRSR_01,3,,2024-01-01,AP-1,,,,\n"      // line 3: the row imported before, again: not a repeat
            + "OLD-2,P-1,ALSFRSR_02,,,,,,,entered-in-error,\n"     // line 4: OLD-2 retracted
            + "NEW-2,P-1,ALSFRSR_02,3,,2024-01-01,AP-1,,,,\n"      // line 5: takes its place
            + "OLD-3,P-1,ALSFRSR_04,3,,2024-01-01,AP-1,,,,\n"      // line 6: OLD-3 moved to item 04
            + "NEW-3,P-1,ALSFRSR_03,3,,2024-01-01,AP-1,,,,\n"      // line 7: takes item 03
            + "OLD-5,P-2,ALSFRSR_05,,,,,,,entered-in-error,\n"     // line 8: a retraction naming another patient withdraws nothing
            + "NEW-5,P-1,ALSFRSR_05,3,,2024-01-01,AP-1,,,,\n"      // line 9: so OLD-5 keeps item 05
            + "NEW-6,P-1,ALSFRSR_06,3,,2024-01-01,AP-1,,,,\n"      // line 10: waits for OLD-6, not read yet...
            + "OLD-6,P-1,ALSFRSR_06,,,,,,,entered-in-error,\n";    // line 11: ...retracted below it: NEW-6 takes item 06 (before: a repeat)
        var seen = new SeenIds();
        var check = new PanelConsistencyCheck(Rules, imported, seen);
        var decided = new List<PanelDecision>();
        await foreach (var row in new ClinicExportParser().ReadAssessmentsAsync(new StringReader(csv), Context("P-1"), seen, CancellationToken.None))
        {
            Assert.Null(row.Rejection);
            if (check.Add(row.Record!, row.Line))
            {
                decided.AddRange(check.TakeDecided());
            }
        }

        check.Finish();
        decided.AddRange(check.TakeDecided());

        Assert.Equal(["NEW-5 9 panel-item-repeated", "NEW-1 2 panel-item-repeated", "NEW-6 10 "], decided.Select(d => $"{d.Record.AssessmentId} {d.Line} {d.Rejection?.Rule}"));
        Assert.Contains("imported before", decided[1].Rejection!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_panel_row_more_than_a_day_from_the_panels_first_row_is_rejected_and_one_of_the_next_day_kept_with_a_warning()
    {
        var csv = AssessmentHeader
            + "A-1,P-1,ALSFRSR_01,3,,2024-01-01T23:50:00+01:00,AP-1,,,,\n"   // line 2: the panel's first row
            + "A-2,P-1,ALSFRSR_02,3,,2024-01-02T00:10:00+01:00,AP-1,,,,\n"   // line 3: filled over midnight: kept, with a warning
            + "A-3,P-1,ALSFRSR_03,3,,2024-01-03,AP-1,,,,\n"                  // line 4: two days on: another administration
            + "A-13,P-1,ALSFRSR_TOTAL,9,,2024-02-01,AP-1,,,,\n"              // line 5: a month on
            + "A-4,P-1,ALSFRSR_04,3,,2024-01-01,AP-1,,,,\n"                  // line 6: the first row's day
            + "A-14,P-1,ALSFRSR_TOTAL,9,,2023-12-31,AP-1,,,,\n";             // line 7: the day before: kept, with a warning
        var context = Context("P-1");
        var warnings = new List<IntakeWarning>();
        var check = new PanelConsistencyCheck(Rules, warnings: warnings);
        var decided = new List<PanelDecision>();
        foreach (var row in await AssessmentsAsync(csv, context))
        {
            Assert.Null(row.Rejection);
            if (check.Add(row.Record!, row.Line))
            {
                decided.AddRange(check.TakeDecided());
            }
        }

        check.Finish();
        decided.AddRange(check.TakeDecided());

        Assert.Equal(["A-3 4 panel-dates-differ", "A-13 5 panel-dates-differ", "A-14 7 "], decided.Select(d => $"{d.Record.AssessmentId} {d.Line} {d.Rejection?.Rule}"));
        var rejection = decided[0].Rejection!;
        Assert.Equal(("effective", "A-3"), (rejection.Column, rejection.RecordId));
        Assert.Equal("assessments.csv line 4, column effective: panel AP-1 is one administration, first dated at line 2; this row is dated 2 days after it", rejection.Message);
        Assert.Equal([3L, 7L], warnings.Select(w => w.Line!.Value));
        Assert.All(warnings, w => Assert.Equal("assessments.csv", w.File));
        Assert.Contains("A-2 of panel AP-1 is dated the day after the panel's first row (line 2)", warnings[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_panel_id_on_a_measure_of_no_panel_is_not_used_and_the_row_is_kept_with_a_warning_naming_file_line_and_record()
    {
        var context = new IntakeContext(Rules, Today, _ => BirthDate, _ => true) { PatientOfPanel = id => id == "AP-1" ? "P-2" : null };
        var rows = await AssessmentsAsync(
            AssessmentHeader
            + "F-1,P-1,FVC,3.1,L,2024-01-01,AP-1,,,,\n"        // line 2: AP-1 holds rows of P-2, but FVC belongs to no panel
            + "F-2,P-1,WEIGHT,61,kg,2024-01-01,AP-9,,,,\n"     // line 3
            + "I-1,P-1,ALSFRSR_01,3,,2024-01-01,AP-1,,,,\n",   // line 4: an item of AP-1: the panel is P-2's
            context);

        Assert.Equal(["F-1", "F-2", null], rows.Select(r => r.Record?.AssessmentId));
        Assert.Equal("AP-1", rows[0].Record!.PanelId);
        Assert.Equal(IntakeRules.PanelOfAnotherPatient, rows[2].Rejection?.Rule);
        Assert.Equal(
            [
                "assessments.csv:2: assessment F-1: FVC is not an item of a questionnaire panel (ALSFRSR), so its panel_id AP-1 groups nothing and is not used; the row is imported",
                "assessments.csv:3: assessment F-2: WEIGHT is not an item of a questionnaire panel (ALSFRSR), so its panel_id AP-9 groups nothing and is not used; the row is imported",
            ],
            context.Warnings.Select(w => w.ToString()));
    }

    [Fact]
    public async Task Panel_ids_on_measures_of_no_panel_are_warned_one_by_one_up_to_a_bound_and_the_rest_counted()
    {
        var context = Context("P-1");
        var rows = await AssessmentsAsync(
            AssessmentHeader + string.Concat(Enumerable.Range(1, IntakeContext.WarnedOneByOne + 50).Select(i => $"F-{i},P-1,FVC,3.1,L,2024-01-01,V-{i},,,,\n")),
            context);

        Assert.All(rows, r => Assert.NotNull(r.Record));
        Assert.Equal(IntakeContext.WarnedOneByOne + 1, context.Warnings.Count);
        Assert.StartsWith($"assessments.csv:{IntakeContext.WarnedOneByOne + 1}: assessment F-{IntakeContext.WarnedOneByOne}: FVC", context.Warnings[^2].ToString(), StringComparison.Ordinal);
        Assert.Equal("assessments.csv: 50 more rows of measures of no panel carry a panel_id, not used (the first ones are listed one by one)", context.Warnings[^1].ToString());
    }

    [Fact]
    public async Task Unknown_columns_are_warned_one_by_one_up_to_a_bound_and_the_rest_counted_in_one_line()
    {
        // Before: one warning per column, 100,000 of them for a header of 100,000 unknown columns (all held in memory,
        // all kept in the run's warnings).
        var context = Context("P-1");
        var extra = string.Concat(Enumerable.Range(1, 100_000).Select(i => $",x{i}"));
        var rows = await AssessmentsAsync(AssessmentHeader.TrimEnd('\n') + extra + "\nF-1,P-1,FVC,3.1,L,2024-01-01,,,,," + new string(',', 100_000) + "\n", context);

        Assert.NotNull(Assert.Single(rows).Record);
        Assert.Equal(IntakeContext.WarnedOneByOne + 1, context.Warnings.Count);
        Assert.Equal("assessments.csv:1: unknown column 'x1' is ignored", context.Warnings[0].ToString());
        Assert.Equal($"assessments.csv:1: unknown column 'x{IntakeContext.WarnedOneByOne}' is ignored", context.Warnings[^2].ToString());
        Assert.Equal($"assessments.csv:1: {100_000 - IntakeContext.WarnedOneByOne} more unknown columns are ignored (the first ones are listed one by one)", context.Warnings[^1].ToString());
    }

    [Fact]
    public async Task The_clean_sample_export_parses_without_a_single_rejection()
    {
        var folder = Path.Combine(RepositoryPaths.Samples, "clinic-export");
        var parser = new ClinicExportParser();
        var patients = new Dictionary<string, ClinicDate>();
        var treatments = new HashSet<string>();
        var context = Context(patients, treatments.Contains);
        var rejections = new List<RowRejection>();
        using (var r = new StreamReader(Path.Combine(folder, "patients.csv")))
        {
            await foreach (var row in parser.ReadPatientsAsync(r, context, CancellationToken.None))
            {
                if (row.Record is { } p) { patients[p.PatientId] = p.BirthDate; } else { rejections.Add(row.Rejection!); }
            }
        }

        using (var r = new StreamReader(Path.Combine(folder, "treatments.csv")))
        {
            await foreach (var row in parser.ReadTreatmentsAsync(r, context, CancellationToken.None))
            {
                if (row.Record is { } t) { treatments.Add(t.TreatmentId); } else { rejections.Add(row.Rejection!); }
            }
        }

        var panels = new PanelConsistencyCheck(Rules);
        var assessments = 0;
        using (var r = new StreamReader(Path.Combine(folder, "assessments.csv")))
        {
            await foreach (var row in parser.ReadAssessmentsAsync(r, context, CancellationToken.None))
            {
                if (row.Record is { } a) { panels.Add(a, row.Line); assessments++; } else { rejections.Add(row.Rejection!); }
            }
        }

        rejections.AddRange(panels.Complete());
        Assert.Empty(rejections.Select(r => r.ToString()));
        Assert.Equal(60, patients.Count);
        Assert.True(assessments > 10_000);
    }
}
