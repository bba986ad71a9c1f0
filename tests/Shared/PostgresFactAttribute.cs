namespace MndFhir.Tests;

/// <summary>A test that needs the real PostgreSQL started by tests/run.sh (MNDFHIR_TEST_POSTGRES); skipped, saying so, without it.</summary>
internal sealed class PostgresFactAttribute : FactAttribute
{
    /// <summary>Holds an admin connection string to the test PostgreSQL on loopback.</summary>
    public const string Variable = "MNDFHIR_TEST_POSTGRES";

    public PostgresFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"No PostgreSQL: set {Variable} (tests/run.sh starts one on loopback and sets it).";
        }
    }
}
