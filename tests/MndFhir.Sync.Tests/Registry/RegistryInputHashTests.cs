using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Tests.Runs;

namespace MndFhir.Sync.Tests.Registry;

/// <summary>
/// A pseudonymised registry's resync judges Observations by input hash too (decision 0018), under the registry's keys;
/// another date shift (or key) changes every Observation's content, and so its inputs: all are mapped again.
/// </summary>
public sealed class RegistryInputHashTests : IAsyncDisposable
{
    private readonly RegistryHarness _harness = new();

    [Fact]
    public async Task A_registry_resync_judges_observations_by_their_inputs_and_another_date_shift_maps_them_all_again()
    {
        SampleExport.WriteFirstPatients(_harness.Export, 8);
        var key = RegistryHarness.NewKeyVariable();
        var services = await _harness.ServicesAsync(key, dateShiftDays: 30);
        await RegistryHarness.ImportAsync(services, _harness.Export);
        var first = await RegistryHarness.SyncAsync(services);
        Assert.Equal((first.Considered, 0, 0), (first.Created, first.Failed, first.Blocked));
        var assessments = await ConsentingAssessmentsAsync(services);
        Assert.True(assessments > 100, $"{assessments} assessments of consenting patients: too few");

        var resync = await Judgements.OfAsync(services, "registry", remember: true);
        Assert.Equal(assessments, resync.Unmapped);
        Assert.All(resync.Kinds.Values, k => Assert.Equal(ChangeKind.Unchanged, k));
        Assert.Equal((await Judgements.OfAsync(services, "registry", remember: false)).Kinds, resync.Kinds);

        var shifted = await _harness.ServicesAsync(key, dateShiftDays: 31);
        var judged = await Judgements.OfAsync(shifted, "registry", remember: true);
        Assert.Equal(0, judged.Unmapped);
        Assert.Equal((await Judgements.OfAsync(shifted, "registry", remember: false)).Kinds, judged.Kinds);
        var changed = judged.Kinds.Count(k => k.Value == ChangeKind.Changed);
        Assert.True(changed >= assessments, $"{changed} changed of {judged.Kinds.Count}");

        var sync = await RegistryHarness.SyncAsync(shifted);
        Assert.Equal((changed, 0, 0), (sync.Updated, sync.Created, sync.Failed));
        Assert.Equal(assessments, (await Judgements.OfAsync(shifted, "registry", remember: true)).Unmapped);
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    private static async Task<int> ConsentingAssessmentsAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync();
        var consenting = await db.Patients.Where(p => p.RegistryConsent).Select(p => p.PatientId).ToListAsync();
        return await db.Assessments.CountAsync(a => consenting.Contains(a.PatientId));
    }
}
