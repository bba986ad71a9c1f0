using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.Identity;
using MndFhir.Planning;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Ledger;

namespace MndFhir.Sync.Tests.Runs;

/// <summary>
/// A sync compares with the ledger in windows, not with the whole ledger in memory (issue 12): with windows smaller
/// than the destination's Observations, a first sync, a resync without changes and a resync with one change judge
/// every resource as a whole-ledger comparison would, panels and derived measures still find the Observations they
/// refer to, and the planner holds at most two windows and never reads an entry one at a time.
/// </summary>
public sealed class LedgerWindowTests : SampleLedgerTests
{
    [Fact]
    public async Task Syncs_judge_every_resource_against_a_ledger_read_in_windows_and_hold_at_most_two()
    {
        var first = await Runner().RunAsync("files", "test", CancellationToken.None);
        Assert.Null(first.Error);
        Assert.Equal((0, 0, 0, 0), (first.Failed, first.Blocked, first.Invalid, first.Updated));
        Assert.Equal(first.Considered, first.Created);

        int observations, residents;
        await using (var db = await Contexts().CreateDbContextAsync())
        {
            observations = await db.Ledger.CountAsync(e => e.ResourceType == "Observation" && e.State == LedgerState.Delivered);
            residents = await db.Ledger.CountAsync(e => e.ResourceType != "Observation");
            Assert.Equal(first.Created, observations + residents);
            Assert.Equal(first.Created, await db.Ledger.CountAsync(e => e.State == LedgerState.Delivered));
        }

        // The windows the planner may hold (two, each of the capacity plus one read: a window of records' own keys and
        // the keys they refer to) are a part of the ledger only.
        var bound = 2 * (Capacity + (2 * ResourcePlan.Window));
        Assert.True(observations > bound, $"{observations} Observations: too few for windows to move on");

        var (kinds, held, misses) = await PlanAsync();
        Assert.Equal(first.Created, kinds[ChangeKind.Unchanged]);
        Assert.Single(kinds);
        Assert.InRange(held, 1, bound);
        Assert.Equal(0, misses);

        var again = await Runner().RunAsync("files", "test", CancellationToken.None);
        Assert.Equal((first.Created, 0, 0, 0), (again.Unchanged, again.Created, again.Updated, again.Blocked));

        // One ALSFRS-R item's value changes: it (and what is computed from its value, if anything) is updated, nothing else.
        await using (var db = await Contexts().CreateDbContextAsync())
        {
            var item = await db.Assessments.Where(a => a.Code == "ALSFRSR_01" && a.Value == "4").OrderBy(a => a.AssessmentId).FirstAsync();
            await db.Assessments.Where(a => a.AssessmentId == item.AssessmentId).ExecuteUpdateAsync(u => u.SetProperty(a => a.Value, "3"));
        }

        var changed = await PlanAsync();
        Assert.InRange(changed.Kinds.GetValueOrDefault(ChangeKind.Changed), 1, 10);
        Assert.Equal(first.Created - changed.Kinds[ChangeKind.Changed], changed.Kinds[ChangeKind.Unchanged]);
        Assert.Equal(0, changed.Misses);

        var update = await Runner().RunAsync("files", "test", CancellationToken.None);
        Assert.Equal((changed.Kinds[ChangeKind.Changed], 0, 0, 0), (update.Updated, update.Created, update.Failed, update.Blocked));
        Assert.Equal(first.Created, (await PlanAsync()).Kinds[ChangeKind.Unchanged]);
        await using (var db = await Contexts().CreateDbContextAsync())
        {
            Assert.Equal(first.Created, await db.Ledger.CountAsync());
        }
    }

    [Fact]
    public async Task Keys_in_no_useful_order_are_found_by_name_where_their_range_holds_too_many_others()
    {
        await Runner().RunAsync("files", "test", CancellationToken.None);
        await using var db = await Contexts().CreateDbContextAsync();
        var stored = await db.Ledger.AsNoTracking().Where(e => e.ResourceType == "Observation").OrderBy(e => e.Id).ToListAsync();

        // Every 50th Observation: their range holds about fifty times as many entries as the keys asked, more than a
        // range read takes; and keys the ledger does not hold.
        var asked = stored.Where((_, i) => i % 50 == 0).ToList();
        Assert.True(asked.Count >= 64, $"{asked.Count} keys asked: too few for a range read");
        var absent = Enumerable.Range(0, 5).Select(i => new ResourceKey("Observation", $"A-absent-{i}")).ToList();
        var snapshot = await Services.GetRequiredService<DeliveryLedger>().LoadAsync("files", CancellationToken.None);
        await snapshot.FetchAsync(asked.Select(e => new ResourceKey(e.ResourceType, e.BusinessId)).Concat(absent), CancellationToken.None);

        foreach (var e in asked)
        {
            Assert.Equal(new LedgerSnapshotEntry(e.Id, e.ContentHash, e.ServerId, e.State == LedgerState.Delivered, e.InputHash), snapshot[new ResourceKey(e.ResourceType, e.BusinessId)]);
        }

        Assert.All(absent, key => Assert.Null(snapshot[key]));
        Assert.Equal(0, snapshot.Misses);
    }
}
