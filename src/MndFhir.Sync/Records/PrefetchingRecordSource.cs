using System.Runtime.CompilerServices;
using System.Threading.Channels;
using MndFhir.Planning;
using MndFhir.Records;

namespace MndFhir.Sync.Records;

/// <summary>
/// Reads the records of another <see cref="IClinicRecordSource"/> ahead, on a task of its own, while its caller maps,
/// serializes and hashes the records already read: a sync's planner spends about a third of its time reading records
/// (the database and the materialization of rows) and the rest on mapping them, and both can run at once on two cores.
/// The records and their order are exactly the inner source's; at most <see cref="AheadBatches"/> batches of
/// <see cref="BatchSize"/> records wait, so memory does not grow with the number of records.
/// </summary>
/// <remarks>
/// One stream at a time: a stream's reading ends (its query is closed) before the caller can see its end, so the next
/// stream the caller asks for never runs a second query on the inner source's database context at once. A caller that
/// stops early stops the reading and waits for it before it goes on.
/// </remarks>
public sealed class PrefetchingRecordSource(IClinicRecordSource inner) : IClinicRecordSource
{
    public const int BatchSize = 256;

    public const int AheadBatches = 4;

    public IAsyncEnumerable<PatientRecord> PatientsAsync(CancellationToken ct) => AheadAsync(inner.PatientsAsync, ct);

    public IAsyncEnumerable<TreatmentRecord> TreatmentsAsync(CancellationToken ct) => AheadAsync(inner.TreatmentsAsync, ct);

    public IAsyncEnumerable<AssessmentRecord> AssessmentsAsync(CancellationToken ct) => AheadAsync(inner.AssessmentsAsync, ct);

    public IAsyncEnumerable<AssessmentRecord> PanelMembersAsync(IReadOnlyCollection<string> codes, CancellationToken ct) =>
        AheadAsync(c => inner.PanelMembersAsync(codes, c), ct);

    public IAsyncEnumerable<AssessmentRecord> AssessmentsWithCodeAsync(string code, CancellationToken ct) =>
        AheadAsync(c => inner.AssessmentsWithCodeAsync(code, c), ct);

    public Task<RecordCounts> CountAsync(IReadOnlyCollection<string> panelCodes, IReadOnlyCollection<string> derivedFromCodes, CancellationToken ct) =>
        inner.CountAsync(panelCodes, derivedFromCodes, ct);

    public Task<IReadOnlyDictionary<string, ClinicDate?>> OnsetsAsync(CancellationToken ct) => inner.OnsetsAsync(ct);

    private static async IAsyncEnumerable<T> AheadAsync<T>(Func<CancellationToken, IAsyncEnumerable<T>> stream, [EnumeratorCancellation] CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var batches = Channel.CreateBounded<T[]>(new BoundedChannelOptions(AheadBatches) { SingleReader = true, SingleWriter = true });
        var reading = Task.Run(() => ReadAsync(stream(stop.Token), batches.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(ct))
            {
                foreach (var item in batch)
                {
                    yield return item;
                }
            }

            // The channel completes when the reading ends; a failed reading completes it with its exception, which
            // ReadAllAsync throws above. Awaited here too, so the query is closed before the caller moves on.
            await reading;
        }
        finally
        {
            if (!reading.IsCompleted)
            {
                await stop.CancelAsync();
                try
                {
                    await reading;
                }
                catch (Exception)
                {
                    // The caller stopped (or failed) first: its reason is the one that counts; the reading only ends.
                }
            }
        }
    }

    private static async Task ReadAsync<T>(IAsyncEnumerable<T> stream, ChannelWriter<T[]> writer, CancellationToken ct)
    {
        Exception? failure = null;
        try
        {
            var batch = new List<T>(BatchSize);
            await foreach (var item in stream.WithCancellation(ct))
            {
                batch.Add(item);
                if (batch.Count == BatchSize)
                {
                    await writer.WriteAsync([.. batch], ct);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                await writer.WriteAsync([.. batch], ct);
            }
        }
        catch (Exception ex)
        {
            failure = ex;
            throw;
        }
        finally
        {
            writer.TryComplete(failure);
        }
    }
}
