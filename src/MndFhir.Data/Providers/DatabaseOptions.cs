using System.ComponentModel.DataAnnotations;
using Microsoft.Data.Sqlite;

namespace MndFhir.Data;

/// <summary>Section <c>Database</c>: which provider and where.</summary>
public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    [Required]
    public string ConnectionString { get; set; } = "Data Source=mndfhir.db";

    /// <summary>A relative SQLite file name is taken from <paramref name="baseDirectory"/> (the configuration file's folder).</summary>
    public void ResolveRelativePaths(string baseDirectory)
    {
        if (Provider != DatabaseProvider.Sqlite)
        {
            return;
        }

        var builder = new SqliteConnectionStringBuilder(ConnectionString);
        if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:" && !Path.IsPathRooted(builder.DataSource))
        {
            builder.DataSource = Path.GetFullPath(builder.DataSource, baseDirectory);
            ConnectionString = builder.ToString();
        }
    }
}
