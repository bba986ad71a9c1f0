using System.CommandLine;
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

try
{
    // Ctrl-C or SIGTERM cancels the command, which then records what it did (a sync waits for the batches in flight and
    // records its run as stopped); System.CommandLine's default of 2 s ended the process first and left the run Running.
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
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
