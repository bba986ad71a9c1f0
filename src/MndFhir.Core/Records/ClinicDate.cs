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
            if (year < 1900 || year > 2100)
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
            && dto.Year is >= 1900 and <= 2100)
        {
            date = new ClinicDate(s, DatePrecision.DateTime, dto);
            return true;
        }

        return false;
    }

    public static ClinicDate Parse(string text) =>
        TryParse(text, out var d) ? d : throw new FormatException($"'{text}' is not an ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD or date-time with offset).");

    public int CompareTo(ClinicDate other) => Start.CompareTo(other.Start);

    public static bool operator <(ClinicDate left, ClinicDate right) => left.CompareTo(right) < 0;

    public static bool operator <=(ClinicDate left, ClinicDate right) => left.CompareTo(right) <= 0;

    public static bool operator >(ClinicDate left, ClinicDate right) => left.CompareTo(right) > 0;

    public static bool operator >=(ClinicDate left, ClinicDate right) => left.CompareTo(right) >= 0;

    public override string ToString() => Value ?? string.Empty;

    [GeneratedRegex(@"^(?<y>\d{4})(-(?<m>\d{2})(-(?<d>\d{2}))?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DatePattern();

    // FHIR dateTime requires an offset whenever a time is given.
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex DateTimePattern();
}
