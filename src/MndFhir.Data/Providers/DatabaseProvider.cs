namespace MndFhir.Data;

public enum DatabaseProvider
{
    /// <summary>The embedded default: one file, no server.</summary>
    Sqlite,

    /// <summary>Production.</summary>
    SqlServer,

    /// <summary>Supported; the real server the tests run against.</summary>
    PostgreSql,
}
