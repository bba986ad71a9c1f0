using System.Globalization;
using MndFhir.Records;

namespace MndFhir.Intake;

/// <summary>
/// Reads typed values from one row and keeps the first broken rule, checked in the contract's column order; the
/// row is rejected with that rule only (one rejection per row: the operator fixes it and sees the next, if any).
/// </summary>
internal sealed class RowCursor(string file, long line, Dictionary<string, string> cells, string idColumn)
{
    public RowRejection? Rejection { get; private set; }

    public bool Failed => Rejection is not null;

    public string? RecordId => cells.GetValueOrDefault(idColumn);

    public Dictionary<string, string> Cells => cells;

    public void Fail(string column, string rule, string message)
    {
        Rejection ??= new RowRejection(file, line, column, rule, $"{file} line {line}, column {column}: {message}", RecordId, cells);
    }

    public string? Optional(string column) => cells.GetValueOrDefault(column);

    public string Required(string column)
    {
        if (cells.TryGetValue(column, out var value))
        {
            return value;
        }

        Fail(column, IntakeRules.MissingValue, "a value is required");
        return string.Empty;
    }

    public T? Enum<T>(string column, IReadOnlyDictionary<string, T> allowed, bool required)
        where T : struct
    {
        var text = required ? Required(column) : Optional(column);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (allowed.TryGetValue(text.ToLowerInvariant(), out var value))
        {
            return value;
        }

        Fail(column, IntakeRules.InvalidCode, $"'{text}' is not one of {string.Join(", ", allowed.Keys)}");
        return null;
    }

    /// <summary>A date; partial dates (YYYY, YYYY-MM) only where the contract allows them.</summary>
    public ClinicDate? Date(string column, bool required, bool allowPartial)
    {
        var text = required ? Required(column) : Optional(column);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (!ClinicDate.TryParse(text, out var date))
        {
            // The text of a date column may be a birth date: it is not repeated in the message.
            Fail(column, IntakeRules.InvalidDate, "not an ISO 8601 date (YYYY-MM-DD, or a date-time with offset)");
            return null;
        }

        if (date.IsPartial && !allowPartial)
        {
            Fail(column, IntakeRules.PartialDateNotAllowed, "a full date (YYYY-MM-DD) is required here");
            return null;
        }

        return date;
    }

    public double? PositiveNumber(string column)
    {
        var text = Optional(column);
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0 && double.IsFinite(n))
        {
            return n;
        }

        Fail(column, IntakeRules.InvalidNumber, $"'{text}' is not a positive number");
        return null;
    }
}
