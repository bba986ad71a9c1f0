using System.Globalization;

namespace MndFhir.Mapping;

/// <summary>Converts a clinic value and unit to the canonical UCUM quantity of a measure.</summary>
public static class MeasureValueConverter
{
    /// <summary>
    /// Parses <paramref name="value"/> (invariant culture) and converts it from the clinic's <paramref name="unit"/> to the
    /// canonical unit. Precision: with a factor of 1 the clinic's own digits are kept; after a conversion the value is
    /// rounded to the mapping's <c>decimals</c> (or to the significant digits the clinic gave when none is set).
    /// </summary>
    public static bool TryConvert(ValueSpec spec, string value, string? unit, out decimal canonical, out string? error)
    {
        canonical = 0;
        error = null;
        if (!decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            error = $"'{value}' is not a number";
            return false;
        }

        decimal factor = 1;
        if (string.IsNullOrEmpty(unit))
        {
            if (!spec.UnitOptional)
            {
                error = $"a unit is required (one of {string.Join(", ", spec.AcceptedUnits.Keys)})";
                return false;
            }
        }
        else if (!spec.AcceptedUnits.TryGetValue(unit, out factor))
        {
            error = $"unit '{unit}' does not fit this measure (allowed: {string.Join(", ", spec.AcceptedUnits.Keys)})";
            return false;
        }

        canonical = factor == 1 ? number : number * factor;
        if (factor != 1 || spec.Decimals is not null)
        {
            canonical = Math.Round(canonical, spec.Decimals ?? Math.Max(0, Scale(number) - (int)Math.Floor(Math.Log10((double)factor))), MidpointRounding.AwayFromZero);
        }

        if (spec.Kind == ValueKind.Score && canonical != Math.Truncate(canonical))
        {
            error = $"'{value}' is not a whole-number score";
            return false;
        }

        if ((spec.Min is { } min && canonical < min) || (spec.Max is { } max && canonical > max))
        {
            error = $"{canonical.ToString(CultureInfo.InvariantCulture)} {spec.Unit} is outside {spec.Min?.ToString(CultureInfo.InvariantCulture)}..{spec.Max?.ToString(CultureInfo.InvariantCulture)}";
            return false;
        }

        return true;
    }

    private static int Scale(decimal d) => (decimal.GetBits(d)[3] >> 16) & 0xFF;
}
