namespace MndFhir.Data;

public enum LedgerState
{
    /// <summary>The destination confirmed this content.</summary>
    Delivered,

    /// <summary>The destination rejected the latest content; <see cref="LedgerEntry.LastError"/> has its answer.</summary>
    Failed,
}
