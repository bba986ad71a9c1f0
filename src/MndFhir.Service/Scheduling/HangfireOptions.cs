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

    /// <summary>The file of a SQLite storage: ConnectionString (a file name), else mndfhir-hangfire.db, from <paramref name="baseDirectory"/>.</summary>
    public string SqliteFile(string baseDirectory) => Path.GetFullPath(ConnectionString ?? "mndfhir-hangfire.db", baseDirectory);

    /// <summary>
    /// A SQLite storage must not be the application database's file: Hangfire would add its tables to MndFhir's database
    /// (and the two would take turns at the file's one write lock), or, on a new file, write it first, which MndFhir then
    /// refuses as another application's. Null when it is not.
    /// </summary>
    public string? SharedFileProblem(DatabaseOptions database, string baseDirectory)
    {
        if (Storage != HangfireStorageKind.Sqlite || database.Provider != DatabaseProvider.Sqlite)
        {
            return null;
        }

        var source = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        if (string.IsNullOrEmpty(source) || source == ":memory:")
        {
            return null;
        }

        var file = SqliteFile(baseDirectory);
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return string.Equals(file, Path.GetFullPath(source, baseDirectory), comparison)
            ? $"{Section}:{nameof(ConnectionString)}: {file} is also the application database (Database:ConnectionString); Hangfire's SQLite storage needs a file of its own (its default is mndfhir-hangfire.db)."
            : null;
    }

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
