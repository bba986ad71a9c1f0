using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.Identity;
using MndFhir.Records;
using MndFhir.Sync.ChangeSets;

namespace MndFhir.Sync.Tests.Runs;

/// <summary>
/// A sync judges an Observation whose content the ledger holds as made from the same inputs as unchanged without
/// mapping it (decision 0018). The shortcut must never hide a change: after each kind of change to what an Observation
/// is made from, the change set judged by input hash is the change set judged by mapping everything (a differential
/// test), and the sync then sends it.
/// </summary>
public sealed class MappingMemoTests : SampleLedgerTests
{
    [Fact]
    public async Task A_resync_judges_every_observation_by_its_inputs_without_mapping_it()
    {
        var first = await Runner().RunAsync("files", "test", CancellationToken.None);
        Assert.Equal(first.Considered, first.Created);
        var observations = await AssessmentsAsync();

        var (kinds, unmapped, _, _) = await JudgedAsync(remember: true);
        Assert.Equal(observations, unmapped);
        Assert.All(kinds.Values, k => Assert.Equal(ChangeKind.Unchanged, k));
        Assert.Equal((await JudgedAsync(remember: false)).Kinds, kinds);

        var again = await Runner().RunAsync("files", "test", CancellationToken.None);
        Assert.Equal((first.Created, 0, 0), (again.Unchanged, again.Created, again.Updated));
    }

    public static TheoryData<string> Changes() => ["value", "status", "note", "unit", "body site", "effective", "follow-up of another treatment", "no longer a follow-up", "removed from the export", "back in the export", "patient moved on the server", "treatment moved on the server"];

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task A_change_to_what_an_observation_is_made_from_is_judged_as_if_everything_were_mapped_and_sent(string change)
    {
        await Runner().RunAsync("files", "test", CancellationToken.None);
        await ChangeAsync(change);

        var remembered = await JudgedAsync(remember: true);
        var mapped = await JudgedAsync(remember: false);
        Assert.Equal(mapped.Kinds, remembered.Kinds);
        var changed = remembered.Kinds.Count(k => k.Value is ChangeKind.Changed);
        Assert.True(changed >= 1, $"{change}: nothing judged changed");
        Assert.Equal(remembered.Kinds.Count - changed, remembered.Kinds.Count(k => k.Value == ChangeKind.Unchanged));
        Assert.True(remembered.Unmapped >= await AssessmentsAsync() - changed, $"{change}: only {remembered.Unmapped} judged by inputs");

        var sync = await Runner().RunAsync("files", "test", CancellationToken.None);
        Assert.Equal((changed, 0, 0), (sync.Updated, sync.Created, sync.Failed));
        Assert.DoesNotContain((await JudgedAsync(remember: true)).Kinds.Values, k => k != ChangeKind.Unchanged);
    }

    [Fact]
    public async Task Entries_without_inputs_are_judged_by_content_once_and_learn_their_inputs()
    {
        // A ledger written before input hashes (or by another build: its inputs hash otherwise).
        await Runner().RunAsync("files", "test", CancellationToken.None);
        await using (var db = await Contexts().CreateDbContextAsync())
        {
            await db.Ledger.ExecuteUpdateAsync(u => u.SetProperty(e => e.InputHash, (string?)null));
        }

        Assert.Equal(0, (await JudgedAsync(remember: true)).Unmapped);
        var relearning = await Runner().RunAsync("files", "test", CancellationToken.None);
        Assert.Equal((0, 0), (relearning.Created, relearning.Updated));

        await using (var db = await Contexts().CreateDbContextAsync())
        {
            Assert.Equal(await AssessmentsAsync(), await db.Ledger.CountAsync(e => e.InputHash != null));
        }

        Assert.Equal(await AssessmentsAsync(), (await JudgedAsync(remember: true)).Unmapped);
    }

    private async Task<int> AssessmentsAsync()
    {
        await using var db = await Contexts().CreateDbContextAsync();
        return await db.Assessments.CountAsync();
    }

    /// <summary>Changes one input of some Observation, as an import, a reconcile or the EMR writing the table would.</summary>
    private async Task ChangeAsync(string change)
    {
        await using var db = await Contexts().CreateDbContextAsync();
        var a = await db.Assessments.Where(x => x.Code == "GRIP" && x.TreatmentId != null && x.BodySite != null).OrderBy(x => x.AssessmentId).FirstAsync();
        var assessments = db.Assessments.Where(x => x.AssessmentId == a.AssessmentId);
        switch (change)
        {
            case "value":
                await assessments.ExecuteUpdateAsync(u => u.SetProperty(x => x.Value, a.Value == "40" ? "41" : "40"));
                break;
            case "status":
                await assessments.ExecuteUpdateAsync(u => u.SetProperty(x => x.Status, AssessmentStatus.Amended));
                break;
            case "note":
                await assessments.ExecuteUpdateAsync(u => u.SetProperty(x => x.Note, a.Note + " (checked)"));
                break;
            case "unit":
                // 10 kg written as 10 lb: the value converts.
                await assessments.ExecuteUpdateAsync(u => u.SetProperty(x => x.Unit, a.Unit == "lb" ? "kg" : "lb"));
                break;
            case "body site":
                await assessments.ExecuteUpdateAsync(u => u.SetProperty(x => x.BodySite, a.BodySite == "hand-left" ? "hand-right" : "hand-left"));
                break;
            case "effective":
                await assessments.ExecuteUpdateAsync(u => u.SetProperty(x => x.Effective, ClinicDate.Parse("2024-02-29")));
                break;
            case "follow-up of another treatment":
                var other = await db.Treatments.Where(t => t.PatientId == a.PatientId && t.TreatmentId != a.TreatmentId).Select(t => t.TreatmentId).FirstAsync();
                await assessments.ExecuteUpdateAsync(u => u.SetProperty(x => x.TreatmentId, other));
                break;
            case "no longer a follow-up":
                await assessments.ExecuteUpdateAsync(u => u.SetProperty(x => x.TreatmentId, (string?)null));
                break;
            case "removed from the export":
                await assessments.ExecuteUpdateAsync(u => u.SetProperty(x => x.RemovedFromExportAt, DateTimeOffset.UtcNow));
                break;
            case "back in the export":
                // Removed, synced (entered-in-error sent), then back: each is sent.
                await assessments.ExecuteUpdateAsync(u => u.SetProperty(x => x.RemovedFromExportAt, DateTimeOffset.UtcNow));
                await Runner().RunAsync("files", "test", CancellationToken.None);
                await assessments.ExecuteUpdateAsync(u => u.SetProperty(x => x.RemovedFromExportAt, (DateTimeOffset?)null));
                break;
            case "patient moved on the server":
                // A reconcile found the patient under another id: every reference to it changes.
                await MoveAsync(db, new ResourceKey("Patient", a.PatientId));
                break;
            case "treatment moved on the server":
                await MoveAsync(db, new ResourceKey("Procedure", a.TreatmentId!));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change, "no such change");
        }
    }

    private static async Task MoveAsync(MndFhirDbContext db, ResourceKey key) =>
        Assert.Equal(1, await db.Ledger.Where(e => e.ResourceType == key.ResourceType && e.BusinessId == key.BusinessId)
            .ExecuteUpdateAsync(u => u.SetProperty(e => e.ServerId, "moved-" + key.BusinessId)));
}
