using System.ComponentModel.DataAnnotations;
using MndFhir.Data;

namespace MndFhir.Service.Scheduling;

/// <summary>Section <c>Hangfire</c>: where Hangfire keeps its jobs. The ledger never depends on it.</summary>
public sealed class HangfireOptions : IValidatableObject
{
    public const string Section = "Hangfire";

    public HangfireStorageKind Storage { get; set; } = HangfireStorageKind.InMemory;

    /// <summary>Connection string (or SQLite file name) for the chosen storage.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Worker threads of this instance.</summary>
    [Range(1, 64)]
    public int WorkerCount { get; set; } = 2;

    /// <summary>How often this instance looks for recurring and delayed jobs that are due (Hangfire's default: 15 s).</summary>
    [Range(1, 3600)]
    public int SchedulePollingSeconds { get; set; } = 15;

    /// <summary>
    /// How often a worker of a SQL Server or PostgreSQL storage looks for newly queued jobs (Hangfire.PostgreSql's own
    /// default is 15 s, which is also how long a sync asked for through the API may wait before it starts).
    /// </summary>
    [Range(1, 3600)]
    public int QueuePollingSeconds { get; set; } = 5;

    /// <summary>A SQL Server or PostgreSQL storage needs a connection string its client can read (checked before anything runs).</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var provider = Storage switch
        {
            HangfireStorageKind.SqlServer => DatabaseProvider.SqlServer,
            HangfireStorageKind.PostgreSql => (DatabaseProvider?)DatabaseProvider.PostgreSql,
            _ => null,
        };
        if (provider is null)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult($"is required for {Storage} storage.", [nameof(ConnectionString)]);
        }
        else if (ConnectionStrings.Problem(provider.Value, ConnectionString) is { } problem)
        {
            yield return new ValidationResult(problem, [nameof(ConnectionString)]);
        }
    }
}
