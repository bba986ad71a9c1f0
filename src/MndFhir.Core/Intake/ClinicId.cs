using System.Buffers;

namespace MndFhir.Intake;

/// <summary>
/// The contract's id rule (patient_id, treatment_id, assessment_id, panel_id, performer): 1 to 64 characters from
/// <c>A-Z a-z 0-9 - . _</c>, case-sensitive. Anything else (comma, bar, slash, space, <c>$</c>, <c>\</c>...) would
/// mean something to a FHIR search or a file name, so such a row is rejected, never repaired.
/// </summary>
public static class ClinicId
{
    public const int MaxLength = 64;

    private static readonly SearchValues<char> Allowed = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._");

    public static bool IsValid(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxLength && !id.AsSpan().ContainsAnyExcept(Allowed);

    /// <summary>Why <paramref name="id"/> breaks the rule, without repeating it (a mistyped id may hold a name).</summary>
    public static string Explain(string id)
    {
        if (id.Length > MaxLength)
        {
            return $"an id has at most {MaxLength} characters, this one {id.Length}";
        }

        var at = id.AsSpan().IndexOfAnyExcept(Allowed);
        return $"an id is made of A-Z a-z 0-9 - . _ only; character {at + 1} is {Describe(id[at])}";
    }

    private static string Describe(char c) => c switch
    {
        ' ' => "a space",
        ',' => "a comma",
        '|' => "a bar '|'",
        _ when char.IsControl(c) => $"a control character (U+{(int)c:X4})",
        _ when c < 128 => $"'{c}'",
        _ => $"U+{(int)c:X4}",
    };
}
