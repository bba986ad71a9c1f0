using MndFhir.Intake;

namespace MndFhir.Core.Tests.Intake;

public sealed class SeenIdsTests
{
    [Fact]
    public void Ids_seen_only_in_rejected_rows_are_seen_but_have_no_content_and_content_is_kept_over_a_later_add()
    {
        var seen = new SeenIds();
        seen.Add(IdHash.Of("A-1"));
        seen.SetContent(IdHash.Of("A-2"), 42);
        seen.Add(IdHash.Of("A-2"));

        Assert.True(seen.Contains(IdHash.Of("A-1")));
        Assert.False(seen.TryGetContent(IdHash.Of("A-1"), out _));
        Assert.True(seen.TryGetContent(IdHash.Of("A-2"), out var content));
        Assert.Equal(42UL, content);
        Assert.False(seen.Contains(IdHash.Of("A-3")));
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void A_later_accepted_row_gives_an_id_seen_in_a_rejected_row_its_content()
    {
        var seen = new SeenIds();
        seen.Add(IdHash.Of("A-1"));
        seen.SetContent(IdHash.Of("A-1"), 7);

        Assert.True(seen.TryGetContent(IdHash.Of("A-1"), out var content));
        Assert.Equal(7UL, content);
        Assert.Equal(1, seen.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(200_000)]
    public void Every_id_of_many_is_found_whether_the_table_grows_or_was_sized_for_them(long expected)
    {
        var seen = new SeenIds(expected);
        for (var i = 0; i < 200_000; i++)
        {
            seen.SetContent(IdHash.Of($"A-{i:000000}"), (ulong)i);
        }

        Assert.Equal(200_000, seen.Count);
        for (var i = 0; i < 200_000; i++)
        {
            Assert.True(seen.TryGetContent(IdHash.Of($"A-{i:000000}"), out var content));
            Assert.Equal(Math.Max(1UL, (ulong)i), content);
        }

        for (var i = 200_000; i < 210_000; i++)
        {
            Assert.False(seen.Contains(IdHash.Of($"A-{i:000000}")));
        }
    }
}
