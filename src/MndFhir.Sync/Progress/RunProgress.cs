namespace MndFhir.Sync.Progress;

/// <summary>
/// How far a long step has come: an import file (bytes read of the file's size) or a sync (resources judged of the
/// resources the plan makes). <see cref="Total"/> is null when it is not known.
/// </summary>
public sealed record RunProgress(string Stage, long Done, long? Total, string Unit, bool Finished = false);
