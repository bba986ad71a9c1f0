namespace MndFhir.Intake;

/// <summary>
/// The stable ids of the intake contract's file rules: problems of a whole export file, which reject that file (nothing
/// of it imported, nothing marked removed) instead of one row.
/// </summary>
public static class FileRules
{
    public const string MissingFile = "missing-file";
    public const string EmptyFile = "empty-file";
    public const string MissingColumn = "missing-column";
    public const string DuplicateColumn = "duplicate-column";
    public const string InvalidEncoding = "invalid-encoding";
    public const string NulByte = "nul-byte";
    public const string UnterminatedQuote = "unterminated-quote";
    public const string MalformedQuote = "malformed-quote";
    public const string TooManyCells = "too-many-cells";
    public const string FieldTooLong = "field-too-long";
    public const string NotARegularFile = "not-a-regular-file";
}
