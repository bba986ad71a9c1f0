using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MndFhir.Cli.Hosting;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Status;

namespace MndFhir.Cli.Commands;

internal static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "The main job once, now: import the configured export, sync every destination, print the summary.");
        command.SetAction(async (parse, ct) =>
        {
            await using var cli = await CliContext.CreateAsync(parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct);
            var options = cli.Services.GetRequiredService<IOptions<ClinicOptions>>().Value;
            var exit = 0;
            if (options.ExportPath is { } folder)
            {
                var summary = await cli.Services.GetRequiredService<ClinicImporter>().ImportAsync(folder, ct);
                await ImportCommand.Write(summary, Console.Out);
                exit = summary.IsClean ? ExitCodes.Success : ExitCodes.NeedsAttention;
            }

            var destinations = cli.Services.GetRequiredService<IOptions<SyncSettings>>().Value.Destinations.Select(d => d.Name).ToList();
            exit = Math.Max(exit, await SyncCommand.SyncAsync(cli, destinations, Console.Out, ct));
            await Console.Out.WriteLineAsync();
            await StatusCommand.Write(await cli.Services.GetRequiredService<IntakeStatusService>().GetAsync(ct), Console.Out);
            await StatusCommand.Write(await cli.Services.GetRequiredService<SyncStatusService>().GetAsync(ct), Console.Out);
            return exit;
        });
        return command;
    }
}
