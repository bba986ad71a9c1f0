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
/// One stream at a time, as <see cref="ReadAhead"/> ensures: a stream's query is closed before the caller sees its end,
/// so the next stream never runs a second query on the inner source's database context at once.
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

    private static IAsyncEnumerable<T> AheadAsync<T>(Func<CancellationToken, IAsyncEnumerable<T>> stream, CancellationToken ct) =>
        ReadAhead.Of(stream, BatchSize, AheadBatches, ct);
}
