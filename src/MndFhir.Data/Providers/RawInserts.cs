using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace MndFhir.Data;

/// <summary>
/// Inserts new rows of one entity with the SQL the model describes (table, columns, each value through the provider's
/// type mapping and the model's converters) and sets their database-generated key from <c>RETURNING</c>, with one
/// command reused for every full chunk (the database keeps its compiled statement) and no change tracking. A first sync
/// records every resource it sends, and EF's change tracker took about 110 µs a row for it (BENCHMARKS.md). SQLite and
/// PostgreSQL only (both speak <c>INSERT ... RETURNING</c> and are tested); elsewhere <see cref="Supports"/> is false and
/// the caller inserts through EF.
/// </summary>
/// <remarks>
/// Rows a statement: PostgreSQL 16, to save round trips. SQLite one: Microsoft.Data.Sqlite binds each parameter by name
/// at every execution, and SQLite finds a name by a linear search of the statement's parameters
/// (<c>sqlite3_bind_parameter_index</c>), so binding costs the square of the parameters a statement holds; and a name
/// given without its <c>@</c> is searched for in full before it is searched for again with it. 16 rows a statement
/// (224 parameters) took 7.6% of a first sync's CPU in that search (decision 0015, amended).
/// </remarks>
public static class RawInserts
{
    private const string Sqlite = "Microsoft.EntityFrameworkCore.Sqlite";

    public static bool Supports(DbContext db) => db.Database.ProviderName is Sqlite or "Npgsql.EntityFrameworkCore.PostgreSQL";

    /// <summary>How many rows one INSERT holds on this context's database (see the remarks of <see cref="RawInserts"/>).</summary>
    private static int RowsPerStatement(DbContext db) => db.Database.ProviderName is Sqlite ? 1 : 16;

    /// <summary>
    /// Inserts <paramref name="rows"/> in the context's current transaction (the caller opens it) and sets each row's
    /// generated key. The rows must not be tracked.
    /// </summary>
    public static async Task InsertAsync<T>(DbContext db, IReadOnlyList<T> rows, CancellationToken ct)
        where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }

        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var key = entity.FindPrimaryKey()!.Properties.Single();
        var columns = entity.GetProperties().Where(p => p != key).ToList();

        // Each row is found again in RETURNING's answer by its unique index, whose values it was inserted with (the
        // order of RETURNING's rows is not promised).
        var unique = entity.GetIndexes().FirstOrDefault(i => i.IsUnique)?.Properties.ToList()
            ?? throw new InvalidOperationException($"{typeof(T).Name} has no unique index to find its rows by");
        var setter = key.PropertyInfo ?? throw new InvalidOperationException($"{key.Name} has no property to set");

        // Read once, not per value: how each column's value is got and given to the provider, and how the unique
        // index's values come back.
        var toProvider = columns.Select(p => (Get: p.GetGetter(), Converter: p.GetRelationalTypeMapping().Converter)).ToArray();
        var uniqueOf = unique.Select(p => (Get: p.GetGetter(), Converter: p.GetRelationalTypeMapping().Converter)).ToArray();
        var sql = db.GetService<ISqlGenerationHelper>();
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        await db.Database.OpenConnectionAsync(ct);
        DbCommand? command = null;
        var bySqliteName = db.Database.ProviderName is Sqlite;
        try
        {
            foreach (var chunk in rows.Chunk(RowsPerStatement(db)))
            {
                // One command for every full chunk, given new values each time; another for the last, short one.
                if (command is null || command.Parameters.Count != chunk.Length * columns.Count)
                {
                    if (command is not null)
                    {
                        await command.DisposeAsync();
                    }

                    command = Statement(connection, transaction, sql, table, key, columns, unique, chunk.Length, bySqliteName);
                }

                for (var r = 0; r < chunk.Length; r++)
                {
                    for (var c = 0; c < toProvider.Length; c++)
                    {
                        var (get, converter) = toProvider[c];
                        var value = get.GetClrValue(chunk[r]);
                        command.Parameters[(r * toProvider.Length) + c].Value = (value is null ? null : converter?.ConvertToProvider(value) ?? value) ?? DBNull.Value;
                    }
                }

                var rowOf = new Dictionary<string, T>(chunk.Length, StringComparer.Ordinal);
                foreach (var row in chunk)
                {
                    rowOf.Add(Identity(uniqueOf.Select(u => u.Get.GetClrValue(row))), row);
                }

                var returned = 0;
                await using (var reader = await command.ExecuteReaderAsync(ct))
                {
                    while (await reader.ReadAsync(ct))
                    {
                        var row = rowOf[Identity(uniqueOf.Select((u, i) => u.Converter?.ConvertFromProvider(reader.GetValue(i + 1)) ?? reader.GetValue(i + 1)))];
                        setter.SetValue(row, Convert.ChangeType(reader.GetValue(0), setter.PropertyType, CultureInfo.InvariantCulture));
                        returned++;
                    }
                }

                if (returned != chunk.Length)
                {
                    throw new InvalidOperationException($"{returned} keys returned for {chunk.Length} rows inserted into {table.Name}");
                }
            }
        }
        finally
        {
            if (command is not null)
            {
                await command.DisposeAsync();
            }

            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// INSERT of <paramref name="rows"/> rows, RETURNING the key and the unique index's columns; parameters typed by the
    /// model's mappings, and named as the SQL names them where the provider looks them up by that name (SQLite).
    /// </summary>
    private static DbCommand Statement(
        DbConnection connection, DbTransaction? transaction, ISqlGenerationHelper sql, StoreObjectIdentifier table, IProperty key, List<IProperty> columns, List<IProperty> unique, int rows,
        bool namedAsInSql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var text = new StringBuilder("INSERT INTO ").Append(sql.DelimitIdentifier(table.Name, table.Schema)).Append(" (")
            .AppendJoin(", ", columns.Select(c => sql.DelimitIdentifier(c.GetColumnName(table)!))).Append(") VALUES ");
        for (var r = 0; r < rows; r++)
        {
            text.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Count; c++)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"p{r}_{c}");
                var placeholder = sql.GenerateParameterNamePlaceholder(name);
                text.Append(c == 0 ? string.Empty : ", ").Append(placeholder);
                command.Parameters.Add(columns[c].GetRelationalTypeMapping().CreateParameter(command, namedAsInSql ? placeholder : name, null, columns[c].IsNullable));
            }

            text.Append(')');
        }

        text.Append(" RETURNING ").AppendJoin(", ", new[] { key }.Concat(unique).Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!)));
        command.CommandText = text.ToString();
        return command;
    }

    private static string Identity(IEnumerable<object?> values) =>
        string.Join('\u001f', values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));
}
