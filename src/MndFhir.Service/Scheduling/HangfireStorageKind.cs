namespace MndFhir.Service.Scheduling;

public enum HangfireStorageKind
{
    /// <summary>In memory: schedules are re-created from configuration at every start, which is all they need.</summary>
    InMemory,
    Sqlite,
    SqlServer,
    PostgreSql,
}
