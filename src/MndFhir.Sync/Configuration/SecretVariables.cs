namespace MndFhir.Sync.Configuration;

/// <summary>
/// Reads a secret from the environment variable the configuration names. An empty or blank value counts as not set:
/// it can only be a variable exported without its value, and would otherwise be sent as an empty token or password.
/// </summary>
internal static class SecretVariables
{
    public static string? Read(string? variable) =>
        !string.IsNullOrWhiteSpace(variable) && Environment.GetEnvironmentVariable(variable) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;
}
