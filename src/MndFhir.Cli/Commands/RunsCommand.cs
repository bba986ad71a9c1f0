using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MndFhir.Cli.Hosting;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Runs;

namespace MndFhir.Cli.Commands;

internal static class RunsCommand
{
    public static Command Create()
    {
        var destination = new Option<string?>("--destination", "-d") { Description = "Only this destination's runs." };
        var take = new Option<int?>("--take", "-n")
        {
            Description = $"How many runs, newest first (default {SyncRunQueries.DefaultTake}, 1 to {SyncRunQueries.MaxTake}).",
            CustomParser = CliArguments.WholeNumber("--take", 1, SyncRunQueries.MaxTake),
        };
        var json = CliJson.Option();
        var command = new Command("runs", "The sync run history, newest first: destination, trigger, outcome, figures and why a run stopped.") { destination, take, json };
        command.SetAction(async (parse, ct) =>
        {
            await using var cli = await CliContext.CreateAsync(parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct, readOnly: true);
            var name = parse.GetValue(destination) is { } one ? cli.Services.GetRequiredService<IOptions<SyncSettings>>().Value.Find(one).Name : null;
            var runs = await cli.Services.GetRequiredService<SyncRunQueries>().ListAsync(name, parse.GetValue(take), ct);
            if (parse.GetValue(json))
            {
                // The shape of GET /api/runs.
                await CliJson.WriteAsync(runs, Console.Out);
                return 0;
            }

            await Console.Out.WriteLineAsync($"{"run",6}  {"destination",-20} {"trigger",-18} {"started",-20} {"outcome",-16} {"created",8} {"updated",8} {"unchanged",9} {"failed",7} {"blocked",7}");
            foreach (var r in runs)
            {
                await Console.Out.WriteLineAsync(
                    $"{r.Id,6}  {r.Destination,-20} {r.Trigger,-18} {r.StartedAt.UtcDateTime,-20:yyyy-MM-dd HH:mm:ss} {r.Outcome,-16} {r.Created,8} {r.Updated,8} {r.Unchanged,9} {r.Failed,7} {r.Blocked,7}");
                if (r.Error is not null)
                {
                    await Console.Out.WriteLineAsync($"        stopped: {r.Error}");
                }
            }

            await Console.Out.WriteLineAsync($"{runs.Count} runs");
            return 0;
        });
        return command;
    }
}
