using System.Globalization;
using System.Text;
using System.Web;
using MndFhir.Identity;

namespace MndFhir.Core.Tests.Identity;

public sealed class SearchTokenTests
{
    private const string PatientSystem = "https://clinic.test/fhir/sid/patient";

    /// <summary>Everything FHIR search or a URL query gives a meaning to, and what a clinic id might hold.</summary>
    private const string Hostile = ",|$\\/%#?&=+;: '\"-_.~Pp19éÜ中🙂\t";

    [Theory]
    [InlineData("\\", "\\\\")]
    [InlineData(",", "\\,")]
    [InlineData("$", "\\$")]
    [InlineData("|", "\\|")]
    public void Each_special_character_of_fhir_search_gets_a_backslash(string text, string escaped) =>
        Assert.Equal(escaped, SearchToken.Escape(text));

    [Theory]
    [InlineData("P-1,P-9", "P-1\\,P-9")]
    [InlineData("a|b|c", "a\\|b\\|c")]
    [InlineData("\\,", "\\\\\\,")]
    [InlineData("P-1\\", "P-1\\\\")]
    [InlineData("$1|2,3\\4", "\\$1\\|2\\,3\\\\4")]
    public void Combinations_escape_every_special_character_and_nothing_twice(string text, string escaped) =>
        Assert.Equal(escaped, SearchToken.Escape(text));

    [Theory]
    [InlineData("P-0001")]
    [InlineData("p-1 / % # ? & = + ; : ' \"")]
    [InlineData("Müller Ø 日本 🙂")]
    [InlineData("")]
    public void Characters_without_a_meaning_in_fhir_search_are_left_to_percent_encoding(string text) =>
        Assert.Equal(text, SearchToken.Escape(text));

    [Fact]
    public void A_query_token_is_escaped_first_and_then_percent_encoded_around_one_bare_separator()
    {
        Assert.Equal("https%3A%2F%2Fclinic.test%2Fsid|P-1%5C%2CP-9", SearchToken.ForQuery("https://clinic.test/sid", "P-1,P-9"));
        Assert.Equal("https%3A%2F%2Fclinic.test%2Fsid%5C%24x|a%5C%7Cb%20%2B%26c", SearchToken.ForQuery("https://clinic.test/sid$x", "a|b +&c"));
    }

    [Fact]
    public void A_value_ending_in_a_backslash_cannot_escape_what_follows_it()
    {
        var query = SearchToken.ForQuery(PatientSystem + "\\", "P-1\\");

        Assert.Equal((PatientSystem + "\\", "P-1\\"), Assert.Single(Parse(query)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\r\n")]
    public void An_empty_or_blank_value_or_system_is_refused_because_it_would_match_more_than_one_identifier(string blank)
    {
        Assert.ThrowsAny<ArgumentException>(() => SearchToken.ForQuery(PatientSystem, blank));
        Assert.ThrowsAny<ArgumentException>(() => SearchToken.ForQuery(blank, "P-1"));
    }

    [Fact]
    public void Whitespace_around_a_value_is_kept_because_it_is_part_of_the_value()
    {
        Assert.Equal((PatientSystem, " P-1 "), Assert.Single(Parse(SearchToken.ForQuery(PatientSystem, " P-1 "))));
        Assert.NotEqual(SearchToken.ForQuery(PatientSystem, "P-1"), SearchToken.ForQuery(PatientSystem, "P-1 "));
    }

    [Fact]
    public void Non_ascii_is_percent_encoded_as_utf8_and_comes_back_unchanged()
    {
        var query = SearchToken.ForQuery(PatientSystem, "Müller-日本-🙂");

        Assert.True(query.All(char.IsAscii));
        Assert.Contains("M%C3%BCller", query, StringComparison.Ordinal);
        Assert.Equal((PatientSystem, "Müller-日本-🙂"), Assert.Single(Parse(query)));
    }

    [Fact]
    public void A_query_token_holds_no_character_that_could_end_or_split_the_url_query()
    {
        var query = SearchToken.ForQuery(PatientSystem, Hostile);

        Assert.All(query, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or '%' or '|', $"'{c}' in {query}"));
        Assert.Single(query, c => c == '|');
    }

    [Fact]
    public void Hostile_values_round_trip_through_a_parser_that_follows_the_fhir_spec_as_exactly_one_system_and_value()
    {
        var random = new Random(20240607);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 2000; i++)
        {
            var value = RandomText(random, Hostile, 1 + random.Next(12));
            var system = PatientSystem + RandomText(random, Hostile, random.Next(3));
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            var query = SearchToken.ForQuery(system, value);

            Assert.Equal((system, value), Assert.Single(Parse(query)));
            Assert.Equal((system, value), Assert.Single(Parse(query, formDecoding: true)));
            seen.Add(query);
        }

        Assert.True(seen.Count > 1000, $"only {seen.Count} distinct values were generated");
    }

    [Theory]
    [InlineData("P-1,P-9")]
    [InlineData("P-1|P-9")]
    [InlineData("P-1\\")]
    [InlineData("$P-1")]
    public void The_conditional_url_of_a_resource_finds_its_own_identifier_and_no_other(string businessId)
    {
        var identity = new ClinicIdentity("https://clinic.test/fhir/sid");

        var url = identity.ConditionalUrl(new ResourceKey("Patient", businessId));

        const string prefix = "Patient?identifier=";
        Assert.StartsWith(prefix, url, StringComparison.Ordinal);
        Assert.Equal((identity.SystemFor("Patient"), businessId), Assert.Single(Parse(url[prefix.Length..])));
    }

    /// <summary>
    /// A reference reader of a token parameter's value, by FHIR R4 search (section "Escaping Search Parameters" and
    /// token search): percent-decode, split alternatives at unescaped <c>,</c>, split each at its first unescaped
    /// <c>|</c> into system and value, then unescape <c>\x</c> to <c>x</c>. A value without <c>|</c> has no system
    /// (null: any system). With <paramref name="formDecoding"/> a <c>+</c> reads as a space, as HTML forms have it.
    /// </summary>
    private static List<(string? System, string Value)> Parse(string query, bool formDecoding = false)
    {
        var text = formDecoding ? HttpUtility.ParseQueryString("q=" + query)["q"]! : Uri.UnescapeDataString(query);
        var alternatives = new List<(string?, string)>();
        var part = new StringBuilder();
        string? system = null;
        var hasSystem = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\')
            {
                Assert.True(i + 1 < text.Length, $"a lone backslash ends '{text}'");
                part.Append(text[++i]);
            }
            else if (c == ',')
            {
                alternatives.Add((hasSystem ? system : null, part.ToString()));
                (part, system, hasSystem) = (new StringBuilder(), null, false);
            }
            else if (c == '|')
            {
                Assert.False(hasSystem, $"a second unescaped '|' in '{text}'");
                (system, hasSystem) = (part.ToString(), true);
                part.Clear();
            }
            else
            {
                part.Append(c);
            }
        }

        alternatives.Add((hasSystem ? system : null, part.ToString()));
        return alternatives;
    }

    private static string RandomText(Random random, string alphabet, int length)
    {
        // By text element, so the emoji's surrogate pair is never cut in two.
        var elements = StringInfo.GetTextElementEnumerator(alphabet);
        var letters = new List<string>();
        while (elements.MoveNext())
        {
            letters.Add(elements.GetTextElement());
        }

        var text = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            text.Append(letters[random.Next(letters.Count)]);
        }

        return text.ToString();
    }
}
