using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MndFhir.Cli.Hosting;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Runs;

namespace MndFhir.Cli.Commands;

internal static class SyncCommand
{
    public static Command Create()
    {
        var destination = new Option<string?>("--destination", "-d") { Description = "The destination to sync (see the configuration's Destinations)." };
        var all = new Option<bool>("--all") { Description = "Sync every configured destination, one after the other." };
        var command = new Command("sync", "Sync one destination now: send what changed since its last confirmed state.") { destination, all };
        command.SetAction(async (parse, ct) =>
        {
            await using var cli = await CliContext.CreateAsync(parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct);
            var names = parse.GetValue(all)
                ? cli.Services.GetRequiredService<IOptions<SyncSettings>>().Value.Destinations.Select(d => d.Name).ToList()
                : parse.GetValue(destination) is { } one ? [one] : [];
            if (names.Count == 0)
            {
                await Console.Error.WriteLineAsync("mndfhir: name a destination with --destination NAME, or use --all.");
                return ExitCodes.Usage;
            }

            return await SyncAsync(cli, names, Console.Out, ct);
        });
        return command;
    }

    public static async Task<int> SyncAsync(CliContext cli, IReadOnlyList<string> destinations, TextWriter output, CancellationToken ct)
    {
        var exit = 0;
        foreach (var name in destinations)
        {
            var runner = cli.Services.GetRequiredService<SyncRunner>();
            SyncRunSummary summary;
            try
            {
                summary = await runner.RunAsync(name, "manual", ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One destination's failure does not keep the others from their sync.
                var (code, message) = FailureReport.Describe(ex);
                if (code == ExitCodes.InternalError)
                {
                    cli.Logger.Fatal(ex, "The sync of {Destination} stopped on an unexpected {ExceptionType}", name, ex.GetType().Name);
                }

                await Console.Error.WriteLineAsync($"mndfhir: sync {name}: {message}");
                exit = Math.Max(exit, code);
                continue;
            }

            await output.WriteLineAsync(
                $"sync {summary.Destination} (run {summary.RunId}): {summary.Considered} resources considered, {summary.Created} created, {summary.Updated} updated, " +
                $"{summary.Unchanged} unchanged, {summary.Failed} failed ({summary.Invalid} invalid, not sent), {summary.Blocked} blocked, {summary.Elapsed.TotalSeconds:0.0} s");
            if (summary.Output is not null)
            {
                await output.WriteLineAsync($"  written to {summary.Output}");
            }

            if (summary.Error is not null)
            {
                await output.WriteLineAsync($"  stopped: {summary.Error}");
                exit = Math.Max(exit, ExitCodes.DestinationUnavailable);
            }
            else if (summary.Failed + summary.Blocked > 0)
            {
                exit = Math.Max(exit, ExitCodes.NeedsAttention);
            }
        }

        return exit;
    }
}
