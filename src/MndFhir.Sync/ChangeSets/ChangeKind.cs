namespace MndFhir.Sync.ChangeSets;

/// <summary>What a destination needs done with one mapped resource, judged against its ledger.</summary>
public enum ChangeKind
{
    /// <summary>The destination has never confirmed this resource.</summary>
    New,

    /// <summary>The destination holds an older content of it.</summary>
    Changed,

    /// <summary>An earlier delivery of it failed.</summary>
    Retry,

    /// <summary>The destination holds exactly this content: nothing to send.</summary>
    Unchanged,

    /// <summary>It refers to a resource the destination does not hold yet (waiting for that one).</summary>
    Blocked,
}
