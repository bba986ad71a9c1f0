using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace MndFhir.Data;

/// <summary>
/// Streams the rows of a query with the SQL EF Core generates for it (the provider's dialect, its filters and
/// parameters), but read straight from the provider's data reader by the caller: EF's materialization of a row (its
/// shaper, value converters of columns not wanted, an async step per row) cost more than the database's own work where
/// a sync reads every ledger entry and every record of a large export.
/// </summary>
public static class RawRows
{
    /// <summary>
    /// The rows of <paramref name="query"/>, one at a time, as the row reader that <paramref name="rowReader"/> makes
    /// (once, from the open reader: look the columns' ordinals up there, by name) reads them.
    /// </summary>
    public static async IAsyncEnumerable<T> ReadAsync<TSource, T>(
        this IQueryable<TSource> query, DbContext db, Func<DbDataReader, Func<DbDataReader, T>> rowReader, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = query.CreateDbCommand();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            command.Connection = db.Database.GetDbConnection();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            var strategy = db.Database.CreateExecutionStrategy();
            await using var reader = await strategy.ExecuteAsync(command, static (_, c, token) => c.ExecuteReaderAsync(token), null, ct);
            var read = rowReader(reader);
            while (await reader.ReadAsync(ct))
            {
                yield return read(reader);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The string in column <paramref name="ordinal"/>, or null.</summary>
    public static string? StringOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>An enum stored as its name (the model's convention for every enum).</summary>
    public static TEnum Enum<TEnum>(this DbDataReader reader, int ordinal)
        where TEnum : struct, System.Enum => System.Enum.Parse<TEnum>(reader.GetString(ordinal), ignoreCase: true);
}
