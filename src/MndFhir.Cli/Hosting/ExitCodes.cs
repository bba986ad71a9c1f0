namespace MndFhir.Cli.Hosting;

/// <summary>The exit codes of every mndfhir command (README.md, docs/operations.md). No other code is ever returned.</summary>
internal static class ExitCodes
{
    /// <summary>Done; nothing needs the operator.</summary>
    public const int Success = 0;

    /// <summary>
    /// Done, but something needs the operator: rows or files rejected (open quarantine), resources rejected or invalid
    /// (dead letters), removals refused as a likely partial export.
    /// </summary>
    public const int NeedsAttention = 1;

    /// <summary>Usage or configuration error: an unknown command or option, a missing or malformed configuration, an unknown destination, a folder that does not exist, a secret variable not set.</summary>
    public const int Usage = 2;

    /// <summary>Another process is importing or syncing the same database or destination.</summary>
    public const int Busy = 3;

    /// <summary>The destination could not be reached, or answered something that is not FHIR.</summary>
    public const int DestinationUnavailable = 4;

    /// <summary>A local fault: the database is locked, unreachable or damaged; the disk is full or a file cannot be written.</summary>
    public const int LocalFault = 5;

    /// <summary>The destination refused MndFhir's credentials (401, 403): a token expired or a wrong secret.</summary>
    public const int AuthenticationFailed = 6;

    /// <summary>The destination is not the FHIR base the configuration says (404, 405 on its base or metadata).</summary>
    public const int DestinationMisconfigured = 7;

    /// <summary>
    /// Stopped on request (Ctrl-C, SIGINT or SIGTERM) before it finished: what it did before is recorded (a sync's run
    /// says so, with what the destination confirmed), and the next run goes on from there.
    /// </summary>
    public const int Stopped = 130;

    /// <summary>An unexpected error (a defect of MndFhir): the log file has the details.</summary>
    public const int InternalError = 10;
}
