using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MndFhir.Mapping;
using MndFhir.Service.Api;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;
using Npgsql;

namespace MndFhir.Cli.Hosting;

/// <summary>
/// Turns whatever stopped a command into one line for the operator and one of the documented <see cref="ExitCodes"/>:
/// what the operator can fix says what and where; a fault of the machine (database, disk) names the cause; anything
/// else is a defect, reported as such, with the details in the log file only. Never a stack trace on the terminal.
/// </summary>
internal static class FailureReport
{
    public static (int ExitCode, string Message) Describe(Exception exception)
    {
        var ex = Unwrap(exception);
        return ex switch
        {
            MappingLoadException or OptionsValidationException or ConfigurationException or ExportFolderNotFoundException
                or FileNotFoundException or DirectoryNotFoundException or UnguardedApiException or MndFhir.Data.UnusableDatabaseException => (ExitCodes.Usage, ex.Message),
            SyncAlreadyRunningException or ImportBusyException => (ExitCodes.Busy, ex.Message),
            DestinationUnavailableException => (ExitCodes.DestinationUnavailable, ex.Message),
            DestinationWriteException => (ExitCodes.LocalFault, ex.Message),
            DestinationAuthenticationException => (ExitCodes.AuthenticationFailed, ex.Message),
            DestinationMisconfiguredException => (ExitCodes.DestinationMisconfigured, ex.Message),
            SqliteException sqlite => (ExitCodes.LocalFault, Sqlite(sqlite)),
            NpgsqlException npgsql => (ExitCodes.LocalFault, $"The PostgreSQL database could not be used: {FirstLine(npgsql.InnerException is SocketException s ? s.Message : npgsql.Message)}"),
            Microsoft.Data.SqlClient.SqlException sql => (ExitCodes.LocalFault, $"The SQL Server database could not be used: {FirstLine(sql.Message)}"),
            IOException io when IsDiskFull(io) => (ExitCodes.LocalFault, $"The disk is full: {FirstLine(io.Message)}"),
            IOException io when io.Message.StartsWith("Failed to bind to address", StringComparison.Ordinal) => (ExitCodes.LocalFault, $"The service could not listen: {FirstLine(io.Message)}"),
            IOException or UnauthorizedAccessException => (ExitCodes.LocalFault, $"A file could not be read or written: {FirstLine(ex.Message)}"),
            // A timeout (HttpClient's, say) is a TaskCanceledException around a TimeoutException: not a stop on request.
            OperationCanceledException { InnerException: not TimeoutException } => (ExitCodes.Stopped, "Stopped on request (Ctrl-C or SIGTERM) before it finished; what was done before is recorded, and the next run goes on from there."),
            _ => (ExitCodes.InternalError, $"Unexpected error ({ex.GetType().Name}): {FirstLine(ex.Message)} This is a defect of MndFhir; the log file has the details."),
        };
    }

    private static Exception Unwrap(Exception ex)
    {
        // EF Core wraps the cause that matters to an operator.
        while (ex is DbUpdateException or AggregateException or InvalidOperationException { InnerException: SqliteException or NpgsqlException }
               && ex.InnerException is { } inner)
        {
            ex = inner;
        }

        return ex;
    }

    private static string Sqlite(SqliteException ex) => ex.SqliteErrorCode switch
    {
        5 or 6 => "The SQLite database is locked by another process (SQLITE_BUSY); try again when it has finished.",
        8 => "The SQLite database is read-only for this user or on this file system.",
        10 => $"The SQLite database could not be read or written (disk I/O error): {FirstLine(ex.Message)}",
        13 => "The disk holding the SQLite database is full.",
        14 => "The SQLite database file cannot be opened (check the path in Database:ConnectionString and its folder's permissions).",
        11 or 26 => "The SQLite database file is damaged or is not a database.",
        _ => $"The SQLite database could not be used: {FirstLine(ex.Message)}",
    };

    // ENOSPC on Linux (28), ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows.
    private static bool IsDiskFull(IOException ex) => (ex.HResult & 0xFFFF) is 28 or 0x70 or 0x27;

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length <= 300 ? line : line[..300] + "…";
    }
}
