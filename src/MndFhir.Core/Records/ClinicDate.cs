using System.Globalization;
using System.Text.RegularExpressions;

namespace MndFhir.Records;

/// <summary>How much of a <see cref="ClinicDate"/> the clinic knew.</summary>
public enum DatePrecision
{
    Year,
    Month,
    Day,
    DateTime,
}

/// <summary>
/// A date as the clinic wrote it: <c>YYYY</c>, <c>YYYY-MM</c>, <c>YYYY-MM-DD</c> or a full date-time with offset.
/// The text is kept exactly (normalised only for the date-time form), so precision is never invented.
/// </summary>
public readonly partial record struct ClinicDate : IComparable<ClinicDate>
{
    private ClinicDate(string value, DatePrecision precision, DateTimeOffset start)
    {
        Value = value;
        Precision = precision;
        Start = start;
    }

    /// <summary>The ISO 8601 text, also a valid FHIR <c>dateTime</c>.</summary>
    public string Value { get; }

    public DatePrecision Precision { get; }

    /// <summary>The earliest instant the value can mean (UTC midnight for dates); used for ordering.</summary>
    public DateTimeOffset Start { get; }

    public bool IsPartial => Precision is DatePrecision.Year or DatePrecision.Month;

    public static bool TryParse(string? text, out ClinicDate date)
    {
        date = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        var m = DatePattern().Match(s);
        if (m.Success)
        {
            var year = int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture);
            if (year < 1)
            {
                return false;
            }

            if (!m.Groups["m"].Success)
            {
                date = new ClinicDate(s, DatePrecision.Year, new DateTimeOffset(year, 1, 1, 0, 0, 0, TimeSpan.Zero));
                return true;
            }

            var month = int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture);
            if (month is < 1 or > 12)
            {
                return false;
            }

            if (!m.Groups["d"].Success)
            {
                date = new ClinicDate(s, DatePrecision.Month, new DateTimeOffset(year, month, 1, 0, 0, 0, TimeSpan.Zero));
                return true;
            }

            var day = int.Parse(m.Groups["d"].Value, CultureInfo.InvariantCulture);
            if (day < 1 || day > DateTime.DaysInMonth(year, month))
            {
                return false;
            }

            date = new ClinicDate(s, DatePrecision.Day, new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero));
            return true;
        }

        if (DateTimePattern().IsMatch(s)
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var dto)
            && dto.Year >= 1)
        {
            // FHIR's dateTime has seconds whenever it has a time: "09:30+08:00" is written "09:30:00+08:00", the same instant.
            var value = s[16] == ':' ? s : s[..16] + ":00" + s[16..];
            date = new ClinicDate(value, DatePrecision.DateTime, dto);
            return true;
        }

        return false;
    }

    /// <summary>Parses a date known to be valid (tests, stored values); the message never repeats the text, which may be a birth date.</summary>
    public static ClinicDate Parse(string text) =>
        TryParse(text, out var d) ? d : throw new FormatException("Not an ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD or date-time with offset).");

    /// <summary>The last instant the value can mean: the end of its year, month or day (the instant itself for a date-time).</summary>
    public DateTimeOffset End => Start.Year == 9999 && Precision != DatePrecision.DateTime ? DateTimeOffset.MaxValue : Precision switch
    {
        DatePrecision.Year => Start.AddYears(1).AddTicks(-1),
        DatePrecision.Month => Start.AddMonths(1).AddTicks(-1),
        DatePrecision.Day => Start.AddDays(1).AddTicks(-1),
        _ => Start,
    };

    /// <summary>
    /// True when this value certainly lies before <paramref name="other"/>, compared at the precision of the less precise
    /// of the two: a date means some time that day (a month, a year: some time in it), so a date-time on that day is
    /// neither before nor after it. A date-time counts by the day it names at its own offset, as the clinic wrote it. Two
    /// date-times are compared as instants.
    /// </summary>
    public bool IsBefore(ClinicDate other)
    {
        if (Precision == DatePrecision.DateTime && other.Precision == DatePrecision.DateTime)
        {
            return Start < other.Start;
        }

        var length = (Precision < other.Precision ? Precision : other.Precision) switch
        {
            DatePrecision.Year => 4,
            DatePrecision.Month => 7,
            _ => 10,
        };
        return string.CompareOrdinal(Value, 0, other.Value, 0, length) < 0;
    }

    public int CompareTo(ClinicDate other) => Start.CompareTo(other.Start);

    public static bool operator <(ClinicDate left, ClinicDate right) => left.CompareTo(right) < 0;

    public static bool operator <=(ClinicDate left, ClinicDate right) => left.CompareTo(right) <= 0;

    public static bool operator >(ClinicDate left, ClinicDate right) => left.CompareTo(right) > 0;

    public static bool operator >=(ClinicDate left, ClinicDate right) => left.CompareTo(right) >= 0;

    public override string ToString() => Value ?? string.Empty;

    // [0-9], not \d: \d also matches other scripts' digits (full-width ２０２４), which int.Parse then refuses.
    [GeneratedRegex(@"^(?<y>[0-9]{4})(-(?<m>[0-9]{2})(-(?<d>[0-9]{2}))?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DatePattern();

    // FHIR dateTime requires an offset whenever a time is given.
    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?(Z|[+-][0-9]{2}:[0-9]{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex DateTimePattern();
}
