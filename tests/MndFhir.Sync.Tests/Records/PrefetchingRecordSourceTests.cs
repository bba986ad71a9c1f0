using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.Planning;
using MndFhir.Records;
using MndFhir.Sync.Records;

namespace MndFhir.Sync.Tests.Records;

public sealed class PrefetchingRecordSourceTests : IAsyncLifetime
{
    // More than the batches that may wait at once, so the reading waits for the caller (and a last, partial batch).
    private const int Assessments = (PrefetchingRecordSource.BatchSize * (PrefetchingRecordSource.AheadBatches + 2)) + 17;

    private readonly string _file = Path.Combine(Path.GetTempPath(), "mndfhir-prefetch-" + Guid.NewGuid().ToString("N")[..12] + ".db");

    public async Task InitializeAsync()
    {
        await using var db = Context();
        await db.Database.MigrateAsync();
        var date = ClinicDate.Parse("2024-02-01");
        db.Patients.AddRange(Enumerable.Range(1, 30).Select(i => new PatientRecord { PatientId = $"P-{i:000}", BirthDate = ClinicDate.Parse("1960"), OnsetDate = i % 2 == 0 ? date : null }));
        db.Treatments.AddRange(Enumerable.Range(1, 40).Select(i => new TreatmentRecord { TreatmentId = $"T-{i:000}", PatientId = $"P-{1 + (i % 30):000}", Code = "SC_INTRAVENOUS", PerformedStart = date }));
        db.Assessments.AddRange(Enumerable.Range(1, Assessments).Select(i => new AssessmentRecord
        {
            AssessmentId = $"A-{i:00000}",
            PatientId = $"P-{1 + (i % 30):000}",
            Code = i % 3 == 0 ? "FVC" : "ALSFRSR_Q01",
            Value = (i % 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Effective = date,
            PanelId = i % 3 == 0 ? null : $"PN-{(i / 12):0000}",
            Note = i % 7 == 0 ? "note" : null,
            RemovedFromExportAt = i % 11 == 0 ? DateTimeOffset.UnixEpoch : null,
        }));
        await db.SaveChangesAsync();
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_file);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Every_stream_yields_the_inner_sources_records_in_its_order_one_stream_after_the_other_on_one_context()
    {
        await using var db = Context();
        var inner = new DatabaseRecordSource(db, RecordScope.Everything);
        var ahead = new PrefetchingRecordSource(inner);

        // One database context serves both: EF throws should two of its queries ever run at once.
        Assert.Equal(await Ids(inner.PatientsAsync(default)), await Ids(ahead.PatientsAsync(default)));
        Assert.Equal(await Ids(inner.TreatmentsAsync(default)), await Ids(ahead.TreatmentsAsync(default)));
        var assessments = await Ids(ahead.AssessmentsAsync(default));
        Assert.Equal(Assessments, assessments.Count);
        Assert.Equal(await Ids(inner.AssessmentsAsync(default)), assessments);
        Assert.Equal(await Ids(inner.PanelMembersAsync(["ALSFRSR_Q01"], default)), await Ids(ahead.PanelMembersAsync(["ALSFRSR_Q01"], default)));
        Assert.Equal(await Ids(inner.AssessmentsWithCodeAsync("FVC", default)), await Ids(ahead.AssessmentsWithCodeAsync("FVC", default)));
        Assert.Equal(await inner.CountAsync(["ALSFRSR_Q01"], ["FVC"], default), await ahead.CountAsync(["ALSFRSR_Q01"], ["FVC"], default));
        Assert.Equal(await inner.OnsetsAsync(default), await ahead.OnsetsAsync(default));

        // The records are whole: what mapping reads of them, removed rows included.
        var first = await inner.AssessmentsAsync(default).Where(a => a.IsRemoved).FirstAsync();
        var same = await ahead.AssessmentsAsync(default).FirstAsync(a => a.AssessmentId == first.AssessmentId);
        Assert.Equal((first.PatientId, first.Code, first.Value, first.Effective, first.PanelId, first.Note, first.RemovedFromExportAt), (same.PatientId, same.Code, same.Value, same.Effective, same.PanelId, same.Note, same.RemovedFromExportAt));
    }

    [Fact]
    public async Task A_caller_that_stops_early_stops_the_reading_before_it_goes_on()
    {
        await using var db = Context();
        var ahead = new PrefetchingRecordSource(new DatabaseRecordSource(db, RecordScope.Everything));

        await foreach (var a in ahead.AssessmentsAsync(default))
        {
            if (a.AssessmentId == "A-00010")
            {
                break;
            }
        }

        // The reading was stopped and its query closed: the same context runs the next query at once.
        Assert.Equal(Assessments, await ahead.AssessmentsAsync(default).CountAsync());
    }

    [Fact]
    public async Task A_failed_reading_fails_the_caller_with_its_own_exception_after_the_whole_batches_read_before_it()
    {
        await using var db = Context();
        var failure = new InvalidOperationException("the database went away");
        var ahead = new PrefetchingRecordSource(new FailingSource(await new DatabaseRecordSource(db, RecordScope.Everything).AssessmentsAsync(default).ToListAsync(), 600, failure));
        var seen = 0;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in ahead.AssessmentsAsync(default))
            {
                seen++;
            }
        });

        Assert.Same(failure, error);
        Assert.Equal(512, seen);
    }

    [Fact]
    public async Task A_cancelled_caller_is_cancelled()
    {
        await using var db = Context();
        using var cancel = new CancellationTokenSource();
        var ahead = new PrefetchingRecordSource(new DatabaseRecordSource(db, RecordScope.Everything));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var a in ahead.AssessmentsAsync(cancel.Token))
            {
                if (a.AssessmentId == "A-00300")
                {
                    await cancel.CancelAsync();
                }
            }
        });
        Assert.Equal(Assessments, await ahead.AssessmentsAsync(default).CountAsync());
    }

    private SqliteMndFhirDbContext Context() => new(new DbContextOptionsBuilder<SqliteMndFhirDbContext>().UseSqlite("Data Source=" + _file).Options);

    private static async Task<List<string>> Ids<T>(IAsyncEnumerable<T> records)
        where T : ClinicRecord => await records.Select(r => r.RecordId).ToListAsync();

    /// <summary>Yields <paramref name="records"/> up to <paramref name="failAt"/>, then throws: a reading that breaks mid-stream.</summary>
    private sealed class FailingSource(List<AssessmentRecord> records, int failAt, Exception failure) : IClinicRecordSource
    {
        public async IAsyncEnumerable<AssessmentRecord> AssessmentsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            foreach (var a in records.Take(failAt))
            {
                await Task.Yield();
                yield return a;
            }

            throw failure;
        }

        public IAsyncEnumerable<PatientRecord> PatientsAsync(CancellationToken ct) => throw new NotSupportedException();

        public IAsyncEnumerable<TreatmentRecord> TreatmentsAsync(CancellationToken ct) => throw new NotSupportedException();

        public IAsyncEnumerable<AssessmentRecord> PanelMembersAsync(IReadOnlyCollection<string> codes, CancellationToken ct) => throw new NotSupportedException();

        public IAsyncEnumerable<AssessmentRecord> AssessmentsWithCodeAsync(string code, CancellationToken ct) => throw new NotSupportedException();

        public Task<RecordCounts> CountAsync(IReadOnlyCollection<string> panelCodes, IReadOnlyCollection<string> derivedFromCodes, CancellationToken ct) => throw new NotSupportedException();

        public Task<IReadOnlyDictionary<string, ClinicDate?>> OnsetsAsync(CancellationToken ct) => throw new NotSupportedException();
    }
}
