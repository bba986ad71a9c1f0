using System.Buffers;
using System.Text;

namespace MndFhir.Identity;

/// <summary>
/// A token search value (<c>identifier=system|value</c>) written so that it means exactly that one system and value.
/// FHIR search gives <c>,</c> (alternatives), <c>|</c> (system separator), <c>$</c> (composite) and <c>\</c> (escape)
/// a meaning of their own; a clinic id is free text, and unescaped it matched other resources (<c>P-1,P-9</c> found
/// P-9 too) or none (a <c>|</c> in a value made a duplicate on every change). FHIR R4 search, "Escaping Search
/// Parameters" (http://hl7.org/fhir/R4/search.html#escaping): <c>\</c> becomes <c>\\</c>, <c>,</c> <c>\,</c>,
/// <c>$</c> <c>\$</c> and <c>|</c> <c>\|</c>; then each part is percent-encoded for the URL.
/// </summary>
public static class SearchToken
{
    private static readonly SearchValues<char> Special = SearchValues.Create("\\,$|");

    /// <summary>
    /// <c>system|value</c> for a URL query: each part escaped by FHIR's rules, then percent-encoded; the separating
    /// <c>|</c> stays as it is. Both parts must have content: an empty value (<c>system|</c>) would match every
    /// identifier of the system and an empty system (<c>|value</c>) only identifiers without one, so neither finds a
    /// single resource; a whitespace-only part is refused for the same reason (a server may trim it to empty).
    /// Whitespace inside or around a part is kept: <c>P-1 </c> and <c>P-1</c> are different values.
    /// </summary>
    public static string ForQuery(string system, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(system);
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        return $"{Uri.EscapeDataString(Escape(system))}|{Uri.EscapeDataString(Escape(value))}";
    }

    /// <summary>A search value with FHIR's special characters escaped (<c>\ , $ |</c> get a backslash); nothing else changes.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().IndexOfAny(Special) < 0)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (Special.Contains(c))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
