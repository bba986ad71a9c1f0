using System.Globalization;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;

namespace MndFhir.Validation.FastPath;

/// <summary>
/// The checks a resource's free values need once its shape is known valid: each value matches its FHIR R4 type (the
/// regular expressions of the specification's primitive types, and a real calendar date), and every period starts no
/// later than it ends (per-1). A value these rules are not sure of (a type they do not know, a string with control
/// characters, periods of mixed precision) counts as not clean: the resource then goes to the full validator, so the
/// fast path only ever answers where the full validator would answer the same.
/// </summary>
public static partial class ValueRules
{
    private const int MaxString = 1024 * 1024;

    public static bool AllClean(ResourceShape shape) =>
        shape.FreeValues.All(v => IsClean(v.Value)) && shape.Periods.All(PeriodInOrder);

    public static bool IsClean(PrimitiveType value) => value switch
    {
        FhirString s => Text(s.Value),
        Markdown m => Text(m.Value),
        FhirDecimal d => d.Value is not null,
        FhirDateTime dt => dt.Value is { } v && DateTimePattern().IsMatch(v) && RealDate(v),
        Date d => d.Value is { } v && DatePattern().IsMatch(v) && RealDate(v),
        Instant i => i.Value is not null,
        Time t => t.Value is { } v && TimePattern().IsMatch(v),
        Id id => id.Value is { } v && IdPattern().IsMatch(v),
        PositiveInt p => p.Value is >= 1,
        UnsignedInt u => u.Value is >= 0,
        Integer i => i.Value is not null,
        Integer64 l => l.Value is not null,
        _ => false,
    };

    private static bool Text(string? value) =>
        value is { Length: > 0 and <= MaxString } && !string.IsNullOrWhiteSpace(value) && !value.AsSpan().ContainsAnyInRange('\u0000', '\u0008')
        && !value.AsSpan().ContainsAnyInRange('\u000B', '\u000C') && !value.AsSpan().ContainsAnyInRange('\u000E', '\u001F');

    /// <summary>Months and days that exist: 2024-02-30 passes the specification's pattern but is no date.</summary>
    private static bool RealDate(string value)
    {
        if (value.Length < 10)
        {
            return true; // YYYY or YYYY-MM: the pattern already bounds the month
        }

        return DateOnly.TryParseExact(value[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            && (value.Length == 10 || DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
    }

    /// <summary>per-1: start no later than end. Only full date-times and same-precision dates are compared here.</summary>
    private static bool PeriodInOrder(Period period)
    {
        if (period.Start is not { } start || period.End is not { } end)
        {
            return true;
        }

        if (start.Length >= 19 && end.Length >= 19
            && DateTimeOffset.TryParse(start, CultureInfo.InvariantCulture, DateTimeStyles.None, out var s)
            && DateTimeOffset.TryParse(end, CultureInfo.InvariantCulture, DateTimeStyles.None, out var e))
        {
            return s <= e;
        }

        return start.Length == end.Length && start.Length <= 10 && string.CompareOrdinal(start, end) <= 0;
    }

    // The regular expressions of the FHIR R4 primitive types (http://hl7.org/fhir/R4/datatypes.html).
    [GeneratedRegex(@"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$")]
    private static partial Regex DateTimePattern();

    [GeneratedRegex(@"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$")]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?$")]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"^[A-Za-z0-9\-\.]{1,64}$")]
    private static partial Regex IdPattern();
}
