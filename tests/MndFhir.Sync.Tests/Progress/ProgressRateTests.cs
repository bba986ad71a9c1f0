using Microsoft.Extensions.Time.Testing;
using MndFhir.Sync.Progress;

namespace MndFhir.Sync.Tests.Progress;

public sealed class ProgressRateTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_no_change_resync_done_in_a_fraction_of_a_second_shows_no_rate()
    {
        // Before: the stage's clock started at its first report, so 200 resources "in" 0 s were 200,000/s (the floor of
        // 1 ms), and a resync of 16,119 done in 0.3 s showed some 50,000/s and "about 0 s left".
        var rate = new ProgressRate(_clock);

        var first = rate.Describe(new RunProgress("sync hospital", 200, 16_119, "resources"));
        _clock.Advance(TimeSpan.FromMilliseconds(300));
        var last = rate.Describe(new RunProgress("sync hospital", 16_119, 16_119, "resources", Finished: true));

        Assert.Equal("sync hospital: 200 of ~16,119 resources", first);
        Assert.Equal("sync hospital: 16,119 of ~16,119 resources", last);
    }

    [Fact]
    public void The_rate_counts_what_was_done_since_the_first_report_once_a_second_has_passed()
    {
        var rate = new ProgressRate(_clock);

        rate.Describe(new RunProgress("sync hospital", 200, 10_200, "resources"));
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        var early = rate.Describe(new RunProgress("sync hospital", 1_200, 10_200, "resources"));
        _clock.Advance(TimeSpan.FromMilliseconds(1_500));
        var later = rate.Describe(new RunProgress("sync hospital", 4_200, 10_200, "resources"));

        Assert.Equal("sync hospital: 1,200 of ~10,200 resources", early);
        // 4,000 resources in the 2 s since the first report (not 4,200): 2,000/s, 6,000 left: 3 s.
        Assert.Equal("sync hospital: 4,200 of ~10,200 resources (2,000/s, about 3 s left)", later);
    }

    [Fact]
    public void Zero_elapsed_shows_no_rate_and_a_stage_run_again_starts_afresh()
    {
        var rate = new ProgressRate(_clock);

        Assert.Equal("import patients.csv: 0%", rate.Describe(new RunProgress("import patients.csv", 0, 10_000_000, "bytes")));
        Assert.Equal("import patients.csv: 100%", rate.Describe(new RunProgress("import patients.csv", 10_000_000, 10_000_000, "bytes", Finished: true)));

        // The same stage again (the service's next import): its own start, not the last one's.
        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal("import patients.csv: 0%", rate.Describe(new RunProgress("import patients.csv", 0, 10_000_000, "bytes")));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("import patients.csv: 30% (1.5 MB/s, about 5 s left)", rate.Describe(new RunProgress("import patients.csv", 3_000_000, 10_000_000, "bytes")));
    }
}
