using MndFhir.Identity;
using MndFhir.Intake;
using MndFhir.Mapping;
using MndFhir.Records;
using static MndFhir.Core.Tests.Intake.ParserHarness;

namespace MndFhir.Core.Tests.Intake;

/// <summary>
/// Row rules added for bad input that corrupted or crashed before: ids outside the contract's alphabet, values that
/// overflowed later, dates out of bounds, text the database or FHIR cannot keep, and sparse retractions.
/// </summary>
public sealed class RowRuleTests
{
    private const string PatientHeader = "patient_id,hospital_mrn,family_name,given_name,sex,birth_date,diagnosis,onset_date,onset_region,diagnosis_date,registry_consent,deceased_date\n";
    private const string TreatmentHeader = "treatment_id,patient_id,code,status,performed_start,performed_end,cell_type,cell_source,cell_count,body_site,cycle,performer,complication,note\n";
    private const string AssessmentHeader = "assessment_id,patient_id,code,value,unit,effective,panel_id,body_site,treatment_id,status,note\n";

    [Theory]
    [InlineData("P-1,P-9")]
    [InlineData("P-1|x")]
    [InlineData("P 1")]
    [InlineData("P/1")]
    [InlineData("P$1")]
    [InlineData("P\\1")]
    [InlineData("Pé1")]
    [InlineData("P%41")]
    public async Task A_patient_id_outside_the_id_alphabet_is_a_located_row_error_that_does_not_repeat_the_id(string id)
    {
        var quoted = "\"" + id.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        var rows = await PatientsAsync(PatientHeader + $"{quoted},,Doe,Jane,female,1950-01-01,ALS,,,,yes,\nP-2,,Roe,Ann,female,1950-01-01,ALS,,,,yes,\n");

        var rejection = rows[0].Rejection!;
        Assert.Equal(("patient_id", IntakeRules.InvalidId, 2L), (rejection.Column, rejection.Rule, rejection.Line));
        Assert.Null(rejection.RecordId);
        Assert.DoesNotContain(id, rejection.Message, StringComparison.Ordinal);
        Assert.Equal("P-2", rows[1].Record!.PatientId);
    }

    [Theory]
    [InlineData("treatment_id", "T,1", "P-1", "")]
    [InlineData("patient_id", "T-1", "P|1", "")]
    [InlineData("performer", "T-1", "P-1", "S 12")]
    public async Task Every_id_column_of_treatments_follows_the_id_rule(string column, string treatmentId, string patientId, string performer)
    {
        var rows = await TreatmentsAsync(TreatmentHeader + $"\"{treatmentId}\",\"{patientId}\",NEUROREHAB,,2024-01-01,,,,,,,\"{performer}\",,\n");

        Assert.Equal((column, IntakeRules.InvalidId), (rows[0].Rejection!.Column, rows[0].Rejection!.Rule));
    }

    [Fact]
    public async Task Ids_of_64_characters_pass_and_of_65_do_not_and_ids_are_case_sensitive()
    {
        var ok = new string('a', 64);
        var rows = await AssessmentsAsync(
            AssessmentHeader + $"{ok},P-1,FVC,3.1,L,2024-01-02,,,,,\n{ok}1,P-1,FVC,3.1,L,2024-01-02,,,,,\nx.Y_z-1,P-1,FVC,3.1,L,2024-01-02,{ok},,,,\n",
            Context("P-1"));

        Assert.NotNull(rows[0].Record);
        Assert.Equal(IntakeRules.InvalidId, rows[1].Rejection!.Rule);
        Assert.Equal(ok, rows[2].Record!.PanelId);
        Assert.Equal(IntakeRules.UnknownPatient, (await AssessmentsAsync(AssessmentHeader + "A-1,p-1,FVC,3.1,L,2024-01-02,,,,,\n", Context("P-1")))[0].Rejection!.Rule);
    }

    [Fact]
    public void No_identifier_the_adapter_makes_can_equal_one_made_from_a_clinic_id()
    {
        var rules = Rules;
        var panel = rules.Panels.Values.First();
        var derived = rules.Derived.Values.First();
        foreach (var clinicId in new[] { "panel-AP1", "AP1", "derived-ALSFRSR_DFS-A1", "panel.ALSFRSR.AP1", new string('a', 64) })
        {
            Assert.True(ClinicId.IsValid(clinicId));
            var adapterMade = new[] { FhirMapper.PanelKey(panel, clinicId), FhirMapper.DerivedKey(derived, clinicId) };
            Assert.All(adapterMade, key => Assert.False(ClinicId.IsValid(key.BusinessId), $"{key} could be a clinic id"));
        }
    }

    [Theory]
    [InlineData("1e30", IntakeRules.ValueOutOfRange)]
    [InlineData("1.0000001e12", IntakeRules.ValueOutOfRange)]
    [InlineData("-5", IntakeRules.ValueOutOfRange)]
    [InlineData("NaN", IntakeRules.InvalidNumber)]
    [InlineData("Infinity", IntakeRules.InvalidNumber)]
    [InlineData("1e99999", IntakeRules.InvalidNumber)]
    [InlineData("１２", IntakeRules.InvalidNumber)]
    public async Task A_cell_count_that_could_overflow_later_is_rejected_at_intake(string count, string rule)
    {
        var rows = await TreatmentsAsync(TreatmentHeader + $"T-1,P-1,SC_INTRATHECAL,,2024-01-01,,BM-MNC,autologous,{count},lumbar,,,,\n");

        Assert.Equal(("cell_count", rule), (rows[0].Rejection!.Column, rows[0].Rejection!.Rule));
    }

    [Fact]
    public async Task A_cell_count_of_exactly_ten_to_the_twelfth_is_kept()
    {
        var rows = await TreatmentsAsync(TreatmentHeader + "T-1,P-1,SC_INTRATHECAL,,2024-01-01,,BM-MNC,autologous,1e12,lumbar,,,,\n");

        Assert.Equal(1e12, rows[0].Record!.CellCount);
    }

    [Theory]
    [InlineData("２０２４-０１-０２", IntakeRules.InvalidDate)]
    [InlineData("1899-12-31", IntakeRules.DateOutOfRange)]
    [InlineData("2026-11-28", IntakeRules.DateOutOfRange)]
    [InlineData("2026-11-28T00:30:00+14:00", IntakeRules.InvalidDate + "|none")]
    [InlineData("1950-06-14", IntakeRules.DateBeforeBirth)]
    [InlineData("2024-13-01", IntakeRules.InvalidDate)]
    public async Task Dates_lie_between_1900_and_tomorrow_and_not_before_the_birth_and_never_abort_the_import(string effective, string rule)
    {
        var rows = await AssessmentsAsync(AssessmentHeader + $"A-1,P-1,FVC,3.1,L,{effective},,,,,\n");

        if (rule.EndsWith("|none", StringComparison.Ordinal))
        {
            // Tomorrow in Kiribati is still today somewhere: accepted.
            Assert.NotNull(rows[0].Record);
            return;
        }

        var rejection = rows[0].Rejection!;
        Assert.Equal(("effective", rule), (rejection.Column, rejection.Rule));
        Assert.DoesNotContain(effective, rejection.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2025-03-04T09:30+08:00", "2025-03-04T09:30:00+08:00")]
    [InlineData("2025-03-04T09:30Z", "2025-03-04T09:30:00Z")]
    [InlineData("2025-03-04T09:30:15.5-05:00", "2025-03-04T09:30:15.5-05:00")]
    public void A_time_without_seconds_is_written_with_them_as_FHIR_requires_and_means_the_same_instant(string text, string fhir)
    {
        var date = ClinicDate.Parse(text);

        Assert.Equal(fhir, date.Value);
        Assert.Equal(DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture), date.Start);
    }

    [Fact]
    public async Task Tomorrow_is_allowed_and_a_partial_birth_date_counts_from_its_start()
    {
        var rows = await AssessmentsAsync(AssessmentHeader + "A-1,P-1,FVC,3.1,L,2026-11-27,,,,,\nA-2,P-1,FVC,3.1,L,1950-06-15,,,,,\n");
        Assert.All(rows, r => Assert.NotNull(r.Record));

        var patients = await PatientsAsync(PatientHeader + "P-1,,,,female,1950,ALS,1950-03,,,yes,1950-12-31\nP-2,,,,female,1950-05,ALS,,,,yes,1950-04-30\n");
        Assert.NotNull(patients[0].Record);
        Assert.Equal(("deceased_date", IntakeRules.DateBeforeBirth), (patients[1].Rejection!.Column, patients[1].Rejection!.Rule));
    }

    [Fact]
    public async Task Death_onset_and_diagnosis_are_not_before_birth_and_the_message_shows_no_date()
    {
        var rows = await PatientsAsync(PatientHeader +
            "P-1,,Doe,Jane,female,1960-02-03,ALS,,,,yes,1959-12-01\n" +
            "P-2,,Doe,Jane,female,1960-02-03,ALS,1959-01,,,yes,\n" +
            "P-3,,Doe,Jane,female,1960-02-03,ALS,,,1960-02-02,yes,\n");

        Assert.Equal(["deceased_date", "onset_date", "diagnosis_date"], rows.Select(r => r.Rejection!.Column));
        Assert.All(rows, r => Assert.Equal(IntakeRules.DateBeforeBirth, r.Rejection!.Rule));
        Assert.All(rows, r => Assert.DoesNotContain("1960", r.Rejection!.Message, StringComparison.Ordinal));
        Assert.All(rows, r => Assert.DoesNotContain("Jane", r.Rejection!.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Text_the_database_or_FHIR_cannot_keep_is_rejected_with_its_column()
    {
        var rows = await PatientsAsync(PatientHeader +
            $"P-1,,{new string('D', 201)},Jane,female,1950-01-01,ALS,,,,yes,\n" +
            "P-2,,Doe,Ja\u0007ne,female,1950-01-01,ALS,,,,yes,\n" +
            $"P-3,{new string('9', 65)},Doe,Jane,female,1950-01-01,ALS,,,,yes,\n" +
            "P-4,\"MRN,1|x\",Doe,\"Jane\tMarie\",female,1950-01-01,ALS,,,,yes,\n");

        Assert.Equal(("family_name", IntakeRules.ValueTooLong), (rows[0].Rejection!.Column, rows[0].Rejection!.Rule));
        Assert.Equal(("given_name", IntakeRules.InvalidCharacter), (rows[1].Rejection!.Column, rows[1].Rejection!.Rule));
        Assert.Equal(("hospital_mrn", IntakeRules.ValueTooLong), (rows[2].Rejection!.Column, rows[2].Rejection!.Rule));
        Assert.Equal("MRN,1|x", rows[3].Record!.HospitalMrn);
        Assert.DoesNotContain("Ja", rows[1].Rejection!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_retraction_needs_only_id_patient_code_and_status_whatever_else_is_empty_or_wrong()
    {
        var treatments = await TreatmentsAsync(TreatmentHeader +
            "T-1,P-1,SC_INTRATHECAL,entered-in-error,,,,,,,,,,\n" +
            "T-2,P-unknown,SC_LOCAL,entered-in-error,not a date,,XX,,1e30,,,,,\n" +
            "T-3,P-1,SC_INTRATHECAL,entered-in-error,,,,,,,,,,\n".Replace("T-3,P-1,", "T-3,,", StringComparison.Ordinal));
        Assert.Equal((TreatmentStatus.EnteredInError, "SC_INTRATHECAL", "P-1"), (treatments[0].Record!.Status, treatments[0].Record!.Code, treatments[0].Record!.PatientId));
        Assert.NotNull(treatments[1].Record);
        Assert.Equal(("patient_id", IntakeRules.MissingValue), (treatments[2].Rejection!.Column, treatments[2].Rejection!.Rule));

        var assessments = await AssessmentsAsync(AssessmentHeader + "A-1,P-1,FVC,,,,,,,entered-in-error,\nA-2,P-1,,,,,,,,entered-in-error,\n");
        Assert.Equal(AssessmentStatus.EnteredInError, assessments[0].Record!.Status);
        Assert.Equal(("code", IntakeRules.MissingValue), (assessments[1].Rejection!.Column, assessments[1].Rejection!.Rule));
    }

    [Fact]
    public async Task A_row_with_fewer_cells_than_the_header_is_rejected_so_a_file_cut_mid_write_keeps_no_value_cut_short()
    {
        // The export was cut inside cell_count (1.7e8), with no final line break.
        var rows = await TreatmentsAsync(TreatmentHeader +
            "T-1,P-1,SC_INTRATHECAL,completed,2025-05-01,,BM-MNC,autologous,1.2e8,lumbar,,,,\n" +
            "T-2,P-1,SC_INTRATHECAL,completed,2025-06-01,,BM-MNC,autologous,1.7");

        Assert.Equal(1.2e8, rows[0].Record!.CellCount);
        var rejection = rows[1].Rejection!;
        Assert.Equal((IntakeRules.TooFewCells, "body_site", 3L, "T-2"), (rejection.Rule, rejection.Column, rejection.Line, rejection.RecordId));
        Assert.Contains("9 cells, the header 14", rejection.Message, StringComparison.Ordinal);
        Assert.Null(rows[1].Record);
    }

    [Theory]
    [InlineData("birth_date", "P-1,,Doe,Jane,female,1965-09-10T00:00:00+00:00,ALS,,,,yes,")]
    [InlineData("onset_date", "P-1,,Doe,Jane,female,1965-09-10,ALS,2020-01-02T08:00:00+08:00,,,yes,")]
    [InlineData("diagnosis_date", "P-1,,Doe,Jane,female,1965-09-10,ALS,,,2021-03-04T00:00Z,yes,")]
    [InlineData("deceased_date", "P-1,,Doe,Jane,female,1965-09-10,ALS,,,,yes,2024-05-06T12:00:00+02:00")]
    public async Task A_date_time_in_a_patient_date_column_is_rejected_at_intake_instead_of_failing_FHIR_validation_at_every_sync(string column, string row)
    {
        var rows = await PatientsAsync(PatientHeader + row + "\nP-2,,Roe,Ann,female,1965-09,ALS,2020-01,,2021-03-04,yes,2024-05-06\n");

        var rejection = rows[0].Rejection!;
        Assert.Equal((column, IntakeRules.DateTimeNotAllowed), (rejection.Column, rejection.Rule));
        Assert.DoesNotContain("1965", rejection.Message, StringComparison.Ordinal);
        Assert.NotNull(rows[1].Record);
        Assert.NotNull((await TreatmentsAsync(TreatmentHeader + "T-1,P-1,NEUROREHAB,,2024-03-14T10:00:00+08:00,2024-03-20T10:00:00+08:00,,,,,,,,\n"))[0].Record);
    }

    [Theory]
    [InlineData("2024-03-14T10:00:00+08:00", "2024-03-14", null)]
    [InlineData("2024-03-14", "2024-03-14T00:30:00+08:00", null)]
    [InlineData("2024-03-14T10:00:00+08:00", "2024-03-14T09:59:59+08:00", IntakeRules.EndBeforeStart)]
    [InlineData("2024-03-14T10:00:00+08:00", "2024-03-13", IntakeRules.EndBeforeStart)]
    [InlineData("2024-03-14", "2024-03-13T23:59:00-05:00", IntakeRules.EndBeforeStart)]
    public async Task An_end_is_compared_with_its_start_at_the_precision_of_the_less_precise_so_a_date_only_end_on_the_start_day_is_kept(string start, string end, string? rule)
    {
        var rows = await TreatmentsAsync(TreatmentHeader + $"T-1,P-1,NEUROREHAB,,{start},{end},,,,,,,,\n");

        Assert.Equal(rule, rows[0].Rejection?.Rule);
    }

    [Theory]
    [InlineData("1950-06-15T02:00:00+08:00", null)]
    [InlineData("1950-06-15T23:00:00-05:00", null)]
    [InlineData("1950-06-14T23:00:00-05:00", IntakeRules.DateBeforeBirth)]
    public async Task A_measurement_on_the_day_of_birth_is_not_before_it_whatever_the_offset_of_its_time(string effective, string? rule)
    {
        var rows = await AssessmentsAsync(AssessmentHeader + $"A-1,P-1,FVC,3.1,L,{effective},,,,,\n");

        Assert.Equal(rule, rows[0].Rejection?.Rule);
    }
    [Theory]
    [InlineData(" \"Quillborne\"", "family_name")]
    [InlineData("  \"Quillborne\"", "family_name")]
    [InlineData("Quill\"borne", "family_name")]
    [InlineData("Quillborne\"", "family_name")]
    public async Task A_quote_in_a_cell_not_enclosed_in_quotes_rejects_the_row_and_never_keeps_the_quote_as_text(string family, string column)
    {
        // Before: ' "Quillborne"' (a space before the opening quote) was imported as the name "Quillborne", quotes and all.
        var rows = await PatientsAsync(PatientHeader + $"P-1,,{family},Jane,female,1950-01-01,ALS,,,,yes,\nP-2,,Roe,Ann,female,1950-01-01,ALS,,,,yes,\n");

        var rejection = rows[0].Rejection!;
        Assert.Equal((column, IntakeRules.StrayQuote, 2L, "P-1"), (rejection.Column, rejection.Rule, rejection.Line, rejection.RecordId));
        Assert.DoesNotContain("Quill", rejection.Message, StringComparison.Ordinal);
        Assert.Null(rows[0].FileProblem);
        Assert.Equal("P-2", rows[1].Record!.PatientId);
    }

    [Fact]
    public async Task Quotes_doubled_inside_a_quoted_cell_are_kept_as_one_quote_and_spaces_inside_the_quotes_trimmed()
    {
        var rows = await PatientsAsync(PatientHeader + "P-1,,\"Quill \"\"Q\"\" borne\",\" Jane \",female,1950-01-01,ALS,,,,yes,\n");

        var record = Assert.Single(rows).Record!;
        Assert.Equal(("Quill \"Q\" borne", "Jane"), (record.FamilyName, record.GivenName));
    }
}
