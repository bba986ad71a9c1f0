using Microsoft.Extensions.Logging;

namespace MndFhir.Sync;

/// <summary>Event ids of log events whose consumers need to tell them apart.</summary>
public static class SyncLogEvents
{
    /// <summary>
    /// Why a sync stopped (the run's reason, and the destination's refusal that caused it). Whoever ran the sync reports
    /// the same failure itself: a command as its one <c>mndfhir:</c> line, so its console leaves these events to the log
    /// file; the service's console shows them, since nothing else there says that a scheduled sync stopped.
    /// </summary>
    public static readonly EventId SyncStopped = new(2001, nameof(SyncStopped));

    /// <summary>
    /// A sync could not record the input hashes it relearned (decision 0018); a cache, so the sync went on. Counts and
    /// the database's error code only.
    /// </summary>
    public static readonly EventId InputHashesNotRecorded = new(2002, nameof(InputHashesNotRecorded));
}
