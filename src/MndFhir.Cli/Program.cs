using Microsoft.Extensions.Options;
using MndFhir.Mapping;
using System.CommandLine;
using MndFhir.Cli.Commands;

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
    QuarantineCommand.Create(),
    DeadLettersCommand.Create(),
    ReconcileCommand.Create(),
    ServeCommand.Create(),
};

var parse = root.Parse(args);
try
{
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (ex is MappingLoadException or OptionsValidationException or FileNotFoundException or DirectoryNotFoundException)
{
    // What an operator can fix: say what and where, without a stack trace.
    await Console.Error.WriteLineAsync($"mndfhir: {ex.Message}");
    return 2;
}
