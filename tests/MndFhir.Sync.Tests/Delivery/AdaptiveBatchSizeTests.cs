using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;

namespace MndFhir.Sync.Tests.Delivery;

public sealed class AdaptiveBatchSizeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_batch_answered_near_the_timeout_shrinks_at_once_to_what_is_answered_in_a_quarter_of_it()
    {
        var sizes = new AdaptiveBatchSize(configured: 100, Timeout, adapts: true);
        Assert.Equal(100, sizes.Current);

        sizes.Observe(100, TimeSpan.FromSeconds(50)); // 0.5 s a resource; a quarter of the timeout is 15 s
        Assert.Equal(30, sizes.Current);
    }

    [Fact]
    public void Fast_answers_grow_it_back_by_half_at_a_time_and_never_beyond_the_configured_size()
    {
        var sizes = new AdaptiveBatchSize(configured: 100, Timeout, adapts: true);
        sizes.Observe(100, TimeSpan.FromSeconds(50));
        var seen = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            sizes.Observe(sizes.Current, TimeSpan.FromMilliseconds(200));
            seen.Add(sizes.Current);
        }

        Assert.Equal([45, 67, 100, 100, 100, 100], seen);
    }

    [Fact]
    public void A_file_destination_keeps_its_size()
    {
        var sizes = new AdaptiveBatchSize(configured: 5000, Timeout, adapts: false);
        sizes.Observe(5000, TimeSpan.FromMinutes(5));
        Assert.Equal(5000, sizes.Current);
    }

    [Fact]
    public void A_FHIR_destination_adapts_unless_AdaptBatchSize_is_false_and_a_file_destination_never()
    {
        static int AfterSlowAnswer(DestinationOptions destination)
        {
            var sizes = AdaptiveBatchSize.For(destination);
            sizes.Observe(sizes.Current, TimeSpan.FromSeconds(50));
            return sizes.Current;
        }

        Assert.Equal(30, AfterSlowAnswer(new DestinationOptions { Name = "h", Kind = DestinationKind.FhirRest }));
        Assert.Equal(100, AfterSlowAnswer(new DestinationOptions { Name = "h", Kind = DestinationKind.FhirRest, AdaptBatchSize = false }));
        Assert.Equal(DestinationOptions.DefaultBatchSize(DestinationKind.NdjsonFolder), AfterSlowAnswer(new DestinationOptions { Name = "f", Kind = DestinationKind.NdjsonFolder, TimeoutSeconds = 1 }));
    }
}
