using System.Buffers;
using System.Globalization;
using MndFhir.Records;

namespace MndFhir.Intake;

/// <summary>
/// Reads typed values from one row and keeps the first broken rule, checked in the contract's column order; the
/// row is rejected with that rule only (one rejection per row: the operator fixes it and sees the next, if any).
/// Messages name the column and the rule; they repeat a cell only where it cannot be PHI (codes, units, numbers).
/// </summary>
internal sealed class RowCursor
{
    // FHIR strings allow no character below U+0020 but tab, line feed and carriage return.
    private static readonly SearchValues<char> ControlCharacters =
        SearchValues.Create(Enumerable.Range(0, 32).Where(c => c is not (9 or 10 or 13)).Select(c => (char)c).ToArray());

    private readonly string _file;
    private readonly long _line;
    private readonly string _idColumn;
    private readonly IntakeContext _context;

    public RowCursor(string file, long line, Dictionary<string, string> cells, string idColumn, IntakeContext context)
    {
        _file = file;
        _line = line;
        _idColumn = idColumn;
        _context = context;
        Cells = cells;
        foreach (var (column, value) in cells)
        {
            if (value.AsSpan().IndexOfAny(ControlCharacters) is var at and >= 0)
            {
                Fail(column, IntakeRules.InvalidCharacter, $"control character U+{(int)value[at]:X4} at position {at + 1} (text may hold tabs and line breaks, no other control characters)");
                break;
            }
        }
    }

    public RowRejection? Rejection { get; private set; }

    public bool Failed => Rejection is not null;

    public Dictionary<string, string> Cells { get; }

    /// <summary>The row's id when it follows the id rule (a broken id is not shown as a record id).</summary>
    public string? RecordId => Cells.GetValueOrDefault(_idColumn) is { } id && ClinicId.IsValid(id) ? id : null;

    /// <summary>Tells the operator something about the row that does not stop it (file and line given).</summary>
    public void Warn(string message) => _context.Warnings.Add(new IntakeWarning(_file, _line, message));

    public void Fail(string column, string rule, string message)
    {
        Rejection ??= new RowRejection(_file, _line, column, rule, $"{_file} line {_line}, column {column}: {message}", RecordId, Cells);
    }

    public string? Optional(string column) => Cells.GetValueOrDefault(column);

    public string Required(string column)
    {
        if (Cells.TryGetValue(column, out var value))
        {
            return value;
        }

        Fail(column, IntakeRules.MissingValue, "a value is required");
        return string.Empty;
    }

    /// <summary>An id (<see cref="ClinicId"/>): patient_id, treatment_id, assessment_id, panel_id, performer.</summary>
    public string? Id(string column, bool required)
    {
        var id = required ? Required(column) : Optional(column);
        if (string.IsNullOrEmpty(id))
        {
            return required ? string.Empty : null;
        }

        if (!ClinicId.IsValid(id))
        {
            Fail(column, IntakeRules.InvalidId, ClinicId.Explain(id));
        }

        return id;
    }

    /// <summary>Free text or a name, at most <paramref name="maxLength"/> characters (what the database keeps).</summary>
    public string? Text(string column, int maxLength)
    {
        var text = Optional(column);
        if (text is not null && text.Length > maxLength)
        {
            Fail(column, IntakeRules.ValueTooLong, $"at most {maxLength:N0} characters are kept, this has {text.Length:N0}");
        }

        return text;
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

        Fail(column, IntakeRules.InvalidCode, $"'{Shown(text)}' is not one of {string.Join(", ", allowed.Keys)}");
        return null;
    }

    /// <summary>
    /// A date between 1900-01-01 and tomorrow; partial dates (YYYY, YYYY-MM) only where the contract allows them, and a
    /// date-time only where the contract says "date or date-time" (a patient's dates are dates: FHIR's Patient.birthDate is one).
    /// </summary>
    public ClinicDate? Date(string column, bool required, bool allowPartial, bool allowTime)
    {
        var text = required ? Required(column) : Optional(column);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        // The text of a date column may be a birth date: it is never repeated in a message.
        if (!ClinicDate.TryParse(text, out var date))
        {
            Fail(column, IntakeRules.InvalidDate, "not an ISO 8601 date (YYYY-MM-DD, or a date-time with offset)");
            return null;
        }

        if (date.IsPartial && !allowPartial)
        {
            Fail(column, IntakeRules.PartialDateNotAllowed, "a full date (YYYY-MM-DD) is required here");
            return null;
        }

        if (date.Precision == DatePrecision.DateTime && !allowTime)
        {
            Fail(column, IntakeRules.DateTimeNotAllowed, allowPartial ? "a date (YYYY-MM-DD, YYYY-MM or YYYY) is required here, not a date-time" : "a date (YYYY-MM-DD) is required here, not a date-time");
            return null;
        }

        if (date.Start < IntakeContext.Earliest || date.Start > _context.Latest)
        {
            Fail(column, IntakeRules.DateOutOfRange, $"dates lie between 1900-01-01 and tomorrow ({_context.Latest:yyyy-MM-dd}); this one does not");
            return null;
        }

        return date;
    }

    /// <summary>
    /// Fails when <paramref name="date"/> certainly lies before the birth, compared at the precision of the less precise of
    /// the two (<see cref="ClinicDate.IsBefore"/>): a partial birth date counts from its start, a date-time on the day of
    /// birth is not before it.
    /// </summary>
    public void NotBeforeBirth(string column, ClinicDate? date, ClinicDate? birth)
    {
        if (date is { } d && birth is { } b && d.IsBefore(b))
        {
            Fail(column, IntakeRules.DateBeforeBirth, "the date lies before the patient's birth date");
        }
    }

    /// <summary>A positive finite number no larger than <paramref name="max"/>.</summary>
    public double? PositiveNumber(string column, double max)
    {
        var text = Optional(column);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || !double.IsFinite(n))
        {
            Fail(column, IntakeRules.InvalidNumber, $"'{Shown(text)}' is not a number");
        }
        else if (n <= 0 || n > max)
        {
            Fail(column, IntakeRules.ValueOutOfRange, $"{n.ToString("G6", CultureInfo.InvariantCulture)} is not in (0, {max.ToString("G6", CultureInfo.InvariantCulture)}]");
        }
        else
        {
            return n;
        }

        return null;
    }

    /// <summary>A cell repeated in a message (codes, numbers: never PHI columns), cut short.</summary>
    public static string Shown(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
