using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MndFhir.Service.Api;

/// <summary>
/// The <c>take</c> query parameter of the lists: a whole number from 1 to <see cref="Most"/>, <see cref="Default"/> when
/// absent, as `mndfhir runs --take`. Anything else is answered with a 400 problem naming it, never clamped.
/// </summary>
internal static class TakeParameter
{
    public const int Default = 20;
    public const int Most = 500;

    /// <summary>The number <paramref name="value"/> asks for, or null when it is not one the lists accept.</summary>
    public static int? Read(string? value) =>
        string.IsNullOrEmpty(value) ? Default
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var take) && take is >= 1 and <= Most ? take
        : null;

    public static ValidationProblem Problem(string? value)
    {
        var shown = value is { Length: > 40 } ? value[..40] + "…" : value;
        var reason = $"'{shown}' is not a whole number from 1 to {Most}";
        return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["take"] = [reason] }, detail: $"take: {reason}", title: "A query parameter is not one this list accepts");
    }
}
