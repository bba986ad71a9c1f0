using System.Text;
using MndFhir.Intake;
using MndFhir.Records;
using static MndFhir.Core.Tests.Intake.ParserHarness;

namespace MndFhir.Core.Tests.Intake;

/// <summary>
/// The contract's file rules: a problem of the whole file ends the stream with a file problem naming the line and the
/// rule (the importer then keeps nothing of the file). Each broken input is built here, not taken from samples/.
/// </summary>
public sealed class FileRuleTests
{
    private const string Header = "assessment_id,patient_id,code,value,unit,effective,panel_id,body_site,treatment_id,status,note\n";

    private static string Row(int i, string note = "") => $"A-{i},P-1,FVC,3.{i % 10},L,2024-01-{1 + (i % 28):00},,,,,{note}\n";

    private static string Rows(int from, int to) => string.Concat(Enumerable.Range(from, to - from + 1).Select(i => Row(i)));

    [Fact]
    public async Task An_unterminated_quote_rejects_the_file_at_the_line_where_the_quote_opens_instead_of_swallowing_the_rest()
    {
        var csv = Header + Rows(1, 10) + "A-11,P-1,FVC,3.1,L,2024-01-02,,,,,\"a note that never ends\n" + Rows(12, 40);

        var rows = await AssessmentsAsync(csv);

        var problem = Assert.Single(rows, r => r.FileProblem is not null).FileProblem!;
        Assert.Equal((12L, FileRules.UnterminatedQuote), (problem.Line, problem.Rule));
        Assert.Equal("assessments.csv", problem.File);
        Assert.Same(problem, rows[^1].FileProblem);
    }

    [Fact]
    public async Task Characters_after_a_closing_quote_reject_the_file()
    {
        var rows = await AssessmentsAsync(Header + Row(1) + "A-2,P-1,FVC,3.1,L,2024-01-02,,,,,\"note\"x\n" + Row(3));

        Assert.Equal((3L, FileRules.MalformedQuote), (rows[^1].FileProblem!.Line, rows[^1].FileProblem!.Rule));
    }

    [Fact]
    public async Task A_space_after_a_closing_quote_rejects_the_file_with_a_message_that_names_it()
    {
        // The reader takes it for a quote never closed; before, the message said only that, and the operator looked for
        // a missing quote.
        var rows = await AssessmentsAsync(Header + Row(1) + "A-2,P-1,FVC,3.1,L,2024-01-02,,,\"T-1\" ,,note\n" + Row(3));

        var problem = rows[^1].FileProblem!;
        Assert.Equal((3L, FileRules.UnterminatedQuote), (problem.Line, problem.Rule));
        Assert.Contains("followed by a space or tab", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_row_with_more_cells_than_the_header_rejects_the_file()
    {
        var rows = await AssessmentsAsync(Header + Row(1) + "A-2,P-1,FVC,3.1,L,2024-01-02,,,,,note,P-9\n");

        Assert.Equal((3L, FileRules.TooManyCells), (rows[^1].FileProblem!.Line, rows[^1].FileProblem!.Rule));
    }

    [Fact]
    public async Task A_field_over_ten_thousand_characters_rejects_the_file_and_one_of_exactly_ten_thousand_is_kept()
    {
        var longest = new string('x', 10_000);
        var kept = await AssessmentsAsync(Header + Row(1, longest));
        Assert.Equal(longest, Assert.Single(kept).Record!.Note);

        var rows = await AssessmentsAsync(Header + Row(1) + Row(2, "\"" + new string('y', 10_001) + "\""));
        Assert.Equal((3L, FileRules.FieldTooLong), (rows[^1].FileProblem!.Line, rows[^1].FileProblem!.Rule));
    }

    [Fact]
    public async Task A_quote_left_open_before_a_huge_remainder_is_reported_without_reading_it_all_into_memory()
    {
        var rows = await AssessmentsAsync(Header + Row(1) + "A-2,P-1,FVC,3.1,L,2024-01-02,,,,,\"" + new string('z', 3_000_000));

        Assert.Equal((3L, FileRules.FieldTooLong), (rows[^1].FileProblem!.Line, rows[^1].FileProblem!.Rule));
    }

    [Theory]
    [InlineData("quote")]
    [InlineData("columns")]
    public async Task A_header_longer_than_the_readers_buffer_rejects_the_file_at_line_1_instead_of_ending_the_import(string breakage)
    {
        var header = breakage == "quote"
            ? Header.TrimEnd('\n') + ",\"extra" + new string('h', 1_200_000)
            : Header.TrimEnd('\n') + string.Concat(Enumerable.Range(1, 150_000).Select(i => $",c{i}"));

        var rows = await AssessmentsAsync(header + "\n" + Row(1));

        var problem = Assert.Single(rows).FileProblem!;
        Assert.Equal((1L, FileRules.FieldTooLong), (problem.Line, problem.Rule));
    }

    [Fact]
    public async Task A_missing_required_column_rejects_the_file_once_instead_of_every_row()
    {
        var rows = await AssessmentsAsync("assessment_id,patient_id,code,valeu,unit,effective\n" + "A-1,P-1,FVC,3.1,L,2024-01-02\n");

        var problem = Assert.Single(rows).FileProblem!;
        Assert.Equal((1L, FileRules.MissingColumn), (problem.Line, problem.Rule));
        Assert.Contains("value", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_column_named_twice_rejects_the_file()
    {
        var rows = await AssessmentsAsync("assessment_id,patient_id,code,value,unit,effective,Value\n" + "A-1,P-1,FVC,3.1,L,2024-01-02,2.0\n");

        Assert.Equal((1L, FileRules.DuplicateColumn), (rows[^1].FileProblem!.Line, rows[^1].FileProblem!.Rule));
    }

    [Fact]
    public async Task A_NUL_in_a_cell_rejects_the_file()
    {
        var rows = await AssessmentsAsync(Header + Row(1) + Row(2, "bad\0note"));

        Assert.Equal((3L, FileRules.NulByte), (rows[^1].FileProblem!.Line, rows[^1].FileProblem!.Rule));
    }

    [Fact]
    public async Task An_empty_file_is_a_file_problem_and_a_header_only_file_means_no_records()
    {
        Assert.Equal(FileRules.EmptyFile, Assert.Single(await AssessmentsAsync(string.Empty)).FileProblem!.Rule);
        Assert.Empty(await AssessmentsAsync(Header));
    }

    [Fact]
    public async Task Line_numbers_count_physical_lines_across_quoted_line_breaks_and_blank_lines()
    {
        var csv = Header + "A-1,P-1,FVC,3.1,L,2024-01-02,,,,,\"one\r\ntwo\nthree\"\r\n\r\n" + "A-2,P-1,FVC,3.1,X,2024-01-02,,,,,\n";

        var rows = await AssessmentsAsync(csv);

        Assert.Equal(2, rows[0].Line);
        Assert.Equal((6L, IntakeRules.UnitNotAllowed), (rows[1].Line, rows[1].Rejection!.Rule));
    }

    [Fact]
    public async Task Invalid_UTF8_is_found_by_the_scan_with_its_line_and_the_file_fingerprint_is_its_sha256()
    {
        var bytes = Encoding.UTF8.GetBytes(Header + Row(1) + Row(2)).Concat("A-3,P-1,FVC,3.1,L,2024-01-02,,,,,Jos"u8.ToArray()).Concat(new byte[] { 0xE9, (byte)'\n' }).ToArray();

        var scan = await ExportFileScan.ScanAsync(new MemoryStream(bytes), "assessments.csv", CancellationToken.None);

        Assert.Equal((4L, FileRules.InvalidEncoding), (scan.Problem!.Line, scan.Problem.Rule));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), scan.Sha256);
        Assert.DoesNotContain("Jos", scan.Problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_scan_accepts_a_BOM_and_multibyte_characters_across_its_chunks_and_refuses_UTF16_and_NUL()
    {
        var text = Header + string.Concat(Enumerable.Range(1, 20_000).Select(i => Row(i, "Zoë Ångström 患者")));
        var utf8 = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text)).ToArray();
        Assert.Null((await ExportFileScan.ScanAsync(new MemoryStream(utf8), "assessments.csv", CancellationToken.None)).Problem);

        var utf16 = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray();
        Assert.Equal(FileRules.InvalidEncoding, (await ExportFileScan.ScanAsync(new MemoryStream(utf16), "assessments.csv", CancellationToken.None)).Problem!.Rule);

        var nul = Encoding.UTF8.GetBytes(Header + Row(1) + "A-2\0,P-1\n");
        var scan = await ExportFileScan.ScanAsync(new MemoryStream(nul), "assessments.csv", CancellationToken.None);
        Assert.Equal((3L, FileRules.NulByte), (scan.Problem!.Line, scan.Problem.Rule));

        var blank = await ExportFileScan.ScanAsync(new MemoryStream(Encoding.UTF8.GetBytes(" \r\n\n")), "assessments.csv", CancellationToken.None);
        Assert.Equal(FileRules.EmptyFile, blank.Problem!.Rule);
    }

    [Fact]
    public async Task The_readers_decoder_refuses_invalid_UTF8_too_when_a_file_changes_after_its_scan()
    {
        var bytes = Encoding.UTF8.GetBytes(Header + Row(1)).Concat("A-2,P-1,FVC,3.1,L,2024-01-02,,,,,"u8.ToArray()).Concat(new byte[] { 0xFF, (byte)'\n' }).ToArray();
        using var reader = new StreamReader(new MemoryStream(bytes), new UTF8Encoding(true, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false);

        var rows = await new ClinicExportParser().ReadAssessmentsAsync(reader, Context("P-1"), CancellationToken.None).ToListAsync();

        Assert.Equal(FileRules.InvalidEncoding, rows[^1].FileProblem!.Rule);
        Assert.DoesNotContain(rows, r => r.Record is not null && r.Record.AssessmentId == "A-2");
    }
}
