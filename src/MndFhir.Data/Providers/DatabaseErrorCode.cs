using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace MndFhir.Data;

/// <summary>
/// A database error as its provider's code, for a log event that may carry no message text: SQLite's result code
/// (<c>SQLITE 5</c>: busy), PostgreSQL's SQLSTATE (<c>55P03</c>: lock not available), SQL Server's error number.
/// </summary>
public static class DatabaseErrorCode
{
    public static string Of(DbException ex) => ex switch
    {
        SqliteException sqlite => "SQLITE " + sqlite.SqliteErrorCode.ToString(CultureInfo.InvariantCulture),
        Microsoft.Data.SqlClient.SqlException sql => "SQL Server " + sql.Number.ToString(CultureInfo.InvariantCulture),
        _ when ex.SqlState is { } state => "SQLSTATE " + state,
        _ => ex.GetType().Name,
    };
}
