namespace MndFhir.Service.Scheduling;

/// <summary>Section <c>Hangfire</c>: where Hangfire keeps its jobs. The ledger never depends on it.</summary>
public sealed class HangfireOptions
{
    public const string Section = "Hangfire";

    public HangfireStorageKind Storage { get; set; } = HangfireStorageKind.InMemory;

    /// <summary>Connection string (or SQLite file name) for the chosen storage.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Worker threads of this instance.</summary>
    public int WorkerCount { get; set; } = 2;
}
