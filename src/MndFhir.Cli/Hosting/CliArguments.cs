using System.CommandLine.Parsing;
using System.Globalization;

namespace MndFhir.Cli.Hosting;

/// <summary>
/// Parsers of the numeric options and arguments: a value outside what the option accepts is a usage error naming the
/// option and what it accepts (never a .NET type name, never silently clamped).
/// </summary>
internal static class CliArguments
{
    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Func<ArgumentResult, int?> WholeNumber(string name, int min, int max) => result =>
    {
        var text = Text(result);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        result.AddError($"{name}: '{text}' is not a whole number from {min} to {max}");
        return null;
    };

    /// <summary>A positive id, from a listing.</summary>
    public static Func<ArgumentResult, long> Id(string name, string what, string listing) => result =>
    {
        var text = Text(result);
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            return value;
        }

        result.AddError($"{name}: '{text}' is not {what} (a whole number from '{listing}')");
        return 0;
    };

    /// <summary>One or more positive ids, from a listing; the first that is not one is the error.</summary>
    public static Func<ArgumentResult, long[]> Ids(string name, string what, string listing) => result =>
    {
        var ids = new long[result.Tokens.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            var text = result.Tokens[i].Value;
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]) || ids[i] <= 0)
            {
                result.AddError($"{name}: '{text}' is not {what} (a whole number from '{listing}')");
                return [];
            }
        }

        return ids;
    };

    private static string Text(ArgumentResult result) => result.Tokens.Count == 0 ? string.Empty : result.Tokens[^1].Value;
}
