using System.CommandLine;
using System.Runtime.InteropServices;
using MndFhir.Cli.Commands;
using MndFhir.Cli.Hosting;

var root = new RootCommand("mndfhir: maps an MND clinic's treatments and outcome measures to FHIR R4 and keeps FHIR servers and registries in sync.")
{
    CommonOptions.Config,
    CommonOptions.Verbose,
    RunCommand.Create(),
    ImportCommand.Create(),
    MapCommand.Create(),
    MappingsCommand.Create(),
    SyncCommand.Create(),
    StatusCommand.Create(),
    RunsCommand.Create(),
    QuarantineCommand.Create(),
    DeadLettersCommand.Create(),
    ReconcileCommand.Create(),
    ServeCommand.Create(),
    KeysCommand.Create(),
};

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // One line (a failure is always one line), ending with where the command's options are described. Words the command
    // does not know say so alone: the library's other errors are their consequence ("Required command was not provided"
    // beside an unknown command).
    var command = new List<string>();
    for (var result = parse.CommandResult; result is not null && result.Command is not RootCommand; result = result.Parent as System.CommandLine.Parsing.CommandResult)
    {
        command.Insert(0, result.Command.Name);
    }

    var errors = parse.UnmatchedTokens.Count > 0
        ? ["unknown command or option " + string.Join(", ", parse.UnmatchedTokens.Distinct(StringComparer.Ordinal).Select(t => $"'{t}'"))]
        : parse.Errors.Select(e => e.Message.TrimEnd('.')).Distinct(StringComparer.Ordinal).ToList();
    await Console.Error.WriteLineAsync($"mndfhir: {string.Join("; ", errors)}; see '{string.Join(' ', ["mndfhir", .. command, "--help"])}'");
    return ExitCodes.Usage;
}

// Ctrl-C, SIGINT or SIGTERM cancels the command from the moment it starts. System.CommandLine registers its own handlers
// only once the command's action first yields, and a command runs synchronously until then (SQLite's calls complete
// synchronously): a signal in that window took the runtime's default and ended the process at once, with no line,
// a sync's lease held and its run left Running. A process started with SIGINT ignored (a background job of a
// non-interactive shell) keeps ignoring it, as every program does; SIGTERM stops it.
using var stop = new CancellationTokenSource();
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
try
{
    // The command then records what it did (a sync waits for the batches in flight and records its run as stopped);
    // System.CommandLine's default of 2 s ended the process first and left the run Running.
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(30) }, stop.Token);
}
catch (Exception ex)
{
    // Whatever stopped the command: one line and a documented exit code, never a stack trace on the terminal.
    var (exitCode, message) = FailureReport.Describe(ex);
    if (exitCode == ExitCodes.InternalError)
    {
        CliContext.LogUnexpected(parse.GetValue(CommonOptions.Config), ex);
    }

    await Console.Error.WriteLineAsync($"mndfhir: {message}");
    return exitCode;
}

void Stop(PosixSignalContext signal)
{
    // The first signal stops the command, which says so; a second one (a command that does not stop) takes the default
    // and ends the process.
    if (stop.IsCancellationRequested)
    {
        return;
    }

    signal.Cancel = true;
    stop.Cancel();
}
