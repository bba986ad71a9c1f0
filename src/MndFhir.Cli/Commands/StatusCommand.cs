using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Cli.Hosting;
using MndFhir.Sync.Status;

namespace MndFhir.Cli.Commands;

internal static class StatusCommand
{
    public static Command Create()
    {
        var json = CliJson.Option();
        var command = new Command("status", "Counts per destination: delivered, pending (would be sent by the next sync), failed; and the last run.") { json };
        command.SetAction(async (parse, ct) =>
        {
            // The status service's key reads the mapping rules: they are read while the schema is checked.
            await using var cli = await CliContext.CreateAsync(
                parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct, services => services.GetRequiredService<SyncStatusService>(), readOnly: true);
            var intake = await cli.Services.GetRequiredService<IntakeStatusService>().GetAsync(ct);
            var statuses = await cli.Services.GetRequiredService<SyncStatusService>().GetAsync(ct);
            if (parse.GetValue(json))
            {
                // The shape of GET /api/status.
                await CliJson.WriteAsync(new StatusReport(intake, statuses), Console.Out);
                return 0;
            }

            await Write(intake, Console.Out);
            await Write(statuses, Console.Out);
            return 0;
        });
        return command;
    }

    public static async Task Write(IntakeStatus intake, TextWriter output)
    {
        var last = intake.LastImportAt is { } at ? $"{at:yyyy-MM-dd HH:mm:ss}Z {intake.LastImportOutcome} (import {intake.LastImportId})" : "never";
        await output.WriteLineAsync($"last import: {last}");
        foreach (var line in (intake.LastImportMessage ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            await output.WriteLineAsync($"  {line}");
        }

        if (intake.OpenQuarantine.Count == 0)
        {
            await output.WriteLineAsync("quarantine: empty");
        }
        else
        {
            await output.WriteLineAsync($"quarantine: {intake.OpenQuarantineTotal} open (see 'mndfhir quarantine list')");
            foreach (var q in intake.OpenQuarantine)
            {
                await output.WriteLineAsync($"  {q.File,-20} {q.Rows,6} rows" + (q.FileProblems > 0 ? ", the file itself rejected" : string.Empty));
            }
        }

        await output.WriteLineAsync();
    }

    public static async Task Write(IReadOnlyList<DestinationStatus> statuses, TextWriter output)
    {
        await output.WriteLineAsync($"{"destination",-20} {"delivered",10} {"pending",10} {"failed",10}  last run");
        foreach (var s in statuses)
        {
            var last = s.LastRunAt is { } at ? $"{at:yyyy-MM-dd HH:mm:ss}Z {s.LastRunOutcome}" : "never";
            await output.WriteLineAsync($"{s.Destination,-20} {s.Delivered,10} {s.Pending,10} {s.Failed,10}  {last}");
        }

        if (statuses.Count == 0)
        {
            await output.WriteLineAsync("(no destinations configured)");
        }
    }
}
