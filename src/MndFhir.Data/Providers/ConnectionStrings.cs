using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MndFhir.Data;

/// <summary>
/// Reads a connection string as its provider will, before anything opens it: a string the provider cannot read is a
/// configuration error (the key's owner names it), not a .NET exception at the first connection. The reason never
/// repeats a value of the string, and names no keyword it does not know when the string holds a password (a password
/// holding an unquoted ';' is read as keywords, which would show a piece of it).
/// </summary>
public static class ConnectionStrings
{
    /// <summary>Why <paramref name="connectionString"/> is not one <paramref name="provider"/> can use; null when it is (or is empty: [Required] says so).</summary>
    public static string? Problem(DatabaseProvider provider, string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        var generic = new DbConnectionStringBuilder();
        try
        {
            generic.ConnectionString = connectionString;
        }
        catch (ArgumentException)
        {
            return $"is not a list of keyword=value pairs separated by ';' (e.g. {Example(provider)})";
        }

        var keywords = generic.Keys.Cast<string>().ToList();
        var holdsPassword = keywords.Any(IsSecret);
        var specific = Builder(provider);
        foreach (var keyword in keywords)
        {
            try
            {
                specific[keyword] = generic[keyword];
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException or KeyNotFoundException or NotSupportedException)
            {
                if (Known(specific, keyword))
                {
                    return $"the value of '{Name(keyword)}' is not one {provider} accepts";
                }

                return holdsPassword
                    ? $"a keyword {provider} does not know (not named here: the connection string holds a password; check the spelling of each keyword, and quote a password holding ';')"
                    : $"'{keyword}' is not a keyword of {provider} connection strings";
            }
        }

        return provider switch
        {
            DatabaseProvider.Sqlite when string.IsNullOrWhiteSpace(((SqliteConnectionStringBuilder)specific).DataSource) => "names no database file (Data Source=FILE)",
            DatabaseProvider.PostgreSql when string.IsNullOrWhiteSpace(((NpgsqlConnectionStringBuilder)specific).Host) => "names no server (Host=NAME)",
            DatabaseProvider.SqlServer when string.IsNullOrWhiteSpace(((Microsoft.Data.SqlClient.SqlConnectionStringBuilder)specific).DataSource) => "names no server (Server=NAME)",
            _ => null,
        };
    }

    private static DbConnectionStringBuilder Builder(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteConnectionStringBuilder(),
        DatabaseProvider.PostgreSql => new NpgsqlConnectionStringBuilder(),
        DatabaseProvider.SqlServer => new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "unknown database provider"),
    };

    private static string Example(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => "Data Source=/var/lib/mndfhir/mndfhir.db",
        DatabaseProvider.PostgreSql => "Host=db.example.org;Database=mndfhir;Username=mndfhir;Password=...",
        _ => "Server=db.example.org;Database=mndfhir;User Id=mndfhir;Password=...",
    };

    private static bool Known(DbConnectionStringBuilder builder, string keyword)
    {
        try
        {
            return builder.ContainsKey(keyword);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The keyword as written in the provider's documentation when it is one of the common ones.</summary>
    private static string Name(string keyword) =>
        System.Globalization.CultureInfo.InvariantCulture.TextInfo.ToTitleCase(keyword);

    private static bool IsSecret(string keyword) =>
        keyword.Contains("pass", StringComparison.OrdinalIgnoreCase) || keyword.Equals("pwd", StringComparison.OrdinalIgnoreCase);
}
