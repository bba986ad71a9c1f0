using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MndFhir.Data;
using MndFhir.Sync.Tests.Intake;
using MndFhir.Sync.Validation;

namespace MndFhir.Sync.Tests.Runs;

/// <summary>
/// Valid shapes count at once in the process that found them and are written to the database behind its back, for
/// every later process: none lost, none twice, whoever writes first.
/// </summary>
public sealed class ValidShapeStoreTests : IAsyncLifetime
{
    private ImportHarness _h = null!;

    public async Task InitializeAsync() => _h = await ImportHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Keys_added_from_several_threads_count_at_once_and_are_written_once_for_the_next_process()
    {
        var keys = Enumerable.Range(0, 300).Select(i => $"shape-{i:D3}").ToList();
        await using var store = NewStore();

        Parallel.ForEach(keys.Concat(keys), new ParallelOptions { MaxDegreeOfParallelism = 4 }, store.Add);
        var countedAtOnce = keys.All(store.Contains);
        await store.FlushAsync();

        Assert.True(countedAtOnce);
        await using var next = NewStore();
        Assert.True(keys.All(next.Contains));
        Assert.Equal(keys, await StoredAsync());
    }

    [Fact]
    public async Task A_key_another_process_wrote_first_is_not_written_again_and_the_others_are()
    {
        await using var late = NewStore();
        Assert.False(late.Contains("shape-a")); // read the table before the other process writes
        await using var first = NewStore();
        first.Add("shape-a");
        first.Add("shape-b");
        await first.FlushAsync();

        late.Add("shape-a");
        late.Add("shape-b");
        late.Add("shape-c");
        await late.FlushAsync();

        Assert.Equal(["shape-a", "shape-b", "shape-c"], await StoredAsync());
    }

    [Fact]
    public async Task Disposing_the_store_waits_for_what_it_has_still_to_write()
    {
#pragma warning disable CA2000 // disposed below: that is what is tested
        var store = NewStore();
#pragma warning restore CA2000
        foreach (var i in Enumerable.Range(0, 50))
        {
            store.Add($"shape-{i:D2}");
        }

        await store.DisposeAsync();

        Assert.Equal(50, (await StoredAsync()).Count);
    }

    [Fact]
    public async Task Keys_found_within_the_gathering_time_are_written_together_once_it_has_passed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var store = NewStore(clock);
        store.Add("shape-a");
        store.Add("shape-b");
        store.Add("shape-c");

        // The writer gathers: the clock has not moved, so nothing can have been written yet.
        Assert.Empty(await StoredAsync());

        // The writer may start gathering after any one move of the clock: the clock moves until they are written.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while ((await StoredAsync()).Count < 3 && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            clock.Advance(DatabaseValidShapeStore.GatherFor);
            await Task.Delay(20);
        }

        Assert.Equal(["shape-a", "shape-b", "shape-c"], await StoredAsync());
    }

    private DatabaseValidShapeStore NewStore(TimeProvider? clock = null) =>
        new(_h.Services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>(), clock ?? TimeProvider.System, NullLogger<DatabaseValidShapeStore>.Instance);

    private async Task<List<string>> StoredAsync()
    {
        await using var db = await _h.DbAsync();
        return await db.ValidShapes.AsNoTracking().Select(s => s.Key).OrderBy(k => k).ToListAsync();
    }
}
