namespace MndFhir.Data.Tests;

/// <summary>A test that needs the real PostgreSQL started by tests/run.sh (MNDFHIR_TEST_POSTGRES); skipped, saying so, without it.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(TestDatabase.PostgresVariable)))
        {
            Skip = $"No PostgreSQL: set {TestDatabase.PostgresVariable} (tests/run.sh starts one on loopback and sets it).";
        }
    }
}
