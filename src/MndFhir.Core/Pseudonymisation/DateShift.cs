using System.Globalization;

namespace MndFhir.Pseudonymisation;

/// <summary>
/// Moves a FHIR date or dateTime by whole days, keeping its precision: a full date or date-time moves its calendar date
/// (time of day and offset unchanged); a month (<c>2023-04</c>) moves its 15th and keeps the month reached; a year its
/// 2 July. So a partial date stays as vague as the clinic wrote it.
/// </summary>
public static class DateShift
{
    public static string Shift(string value, int days)
    {
        if (days == 0)
        {
            return value;
        }

        switch (value.Length)
        {
            case 4:
                return new DateOnly(Year(value), 7, 2).AddDays(days).ToString("yyyy", CultureInfo.InvariantCulture);
            case 7:
                return new DateOnly(Year(value), int.Parse(value.AsSpan(5, 2), CultureInfo.InvariantCulture), 15).AddDays(days).ToString("yyyy-MM", CultureInfo.InvariantCulture);
            case >= 10:
                var date = DateOnly.ParseExact(value.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture);
                return date.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + value[10..];
            default:
                throw new FormatException($"'{value}' is not a FHIR date.");
        }
    }

    private static int Year(string value) => int.Parse(value.AsSpan(0, 4), CultureInfo.InvariantCulture);
}
