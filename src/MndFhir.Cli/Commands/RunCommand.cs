using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Cli.Hosting;
using MndFhir.Sync.Scheduling;
using MndFhir.Sync.Status;

namespace MndFhir.Cli.Commands;

internal static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "The main job once, now, as the service runs it: import the configured export, sync every destination, print the summary.");
        command.SetAction(async (parse, ct) =>
        {
            // The main job's importer and sync runner (the mapping rules, plan, validation gate) are resolved while the schema is checked.
            await using var cli = await CliContext.CreateAsync(
                parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct, services => services.GetRequiredService<MainJob>());

            // An operator's run imports whatever the folder holds (a mapping change may accept rows rejected before) and
            // syncs every destination even without a new export.
            var result = await cli.Services.GetRequiredService<MainJob>().RunAsync(
                new MainJobOptions { Trigger = "manual", ImportEvenIfSeen = true, SyncWithoutNewExport = true }, ct);
            var exit = ExitCodes.Success;
            if (result.Import is { } import)
            {
                await ImportCommand.Write(import, Console.Out);
                exit = import.IsClean ? ExitCodes.Success : ExitCodes.NeedsAttention;
            }
            else
            {
                await Console.Out.WriteLineAsync($"import: nothing imported: {result.NoImportReason}");
            }

            foreach (var summary in result.Syncs)
            {
                exit = Math.Max(exit, await SyncCommand.WriteAsync(summary, Console.Out));
            }

            foreach (var (destination, error) in result.Failures)
            {
                exit = Math.Max(exit, await SyncCommand.ReportFailureAsync(cli, destination, error));
            }

            await Console.Out.WriteLineAsync();
            await StatusCommand.Write(await cli.Services.GetRequiredService<IntakeStatusService>().GetAsync(ct), Console.Out);
            await StatusCommand.Write(await cli.Services.GetRequiredService<SyncStatusService>().GetAsync(ct), Console.Out);
            return exit;
        });
        return command;
    }
}
