using System.CommandLine;
using MndFhir.Cli.Commands;

var root = new RootCommand("mndfhir: maps an MND clinic's treatments and outcome measures to FHIR R4 and keeps FHIR servers and registries in sync.")
{
    CommonOptions.Config,
    CommonOptions.Verbose,
    RunCommand.Create(),
    ImportCommand.Create(),
    MapCommand.Create(),
    SyncCommand.Create(),
    StatusCommand.Create(),
    QuarantineCommand.Create(),
    ServeCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
