using System.CommandLine;

namespace MndFhir.Cli.Commands;

/// <summary>Options every command takes.</summary>
internal static class CommonOptions
{
    public static readonly Option<FileInfo?> Config = new("--config", "-c")
    {
        Description = "Configuration file (JSON). Default: ./mndfhir.json if present, else built-in defaults (SQLite mndfhir.db here).",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Also show informational log events on stderr (ids and counts only).",
        Recursive = true,
    };
}
