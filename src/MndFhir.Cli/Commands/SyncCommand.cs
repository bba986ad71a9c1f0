using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MndFhir.Cli.Hosting;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Runs;

namespace MndFhir.Cli.Commands;

internal static class SyncCommand
{
    public static Command Create()
    {
        var destination = new Option<string?>("--destination", "-d") { Description = "The destination to sync (see the configuration's Destinations)." };
        var all = new Option<bool>("--all") { Description = "Sync every configured destination, one after the other." };
        var dryRun = new Option<bool>("--dry-run") { Description = "List what the sync would send (type, business id, create or update and why); send nothing." };
        var command = new Command("sync", "Sync one destination now: send what changed since its last confirmed state.") { destination, all, dryRun };
        command.SetAction(async (parse, ct) =>
        {
            // Built on a second core while the configuration, services and database start.
            _ = MndFhir.Serialization.FhirJson.WarmUpAsync();
            if (parse.GetValue(all) && parse.GetValue(destination) is not null)
            {
                await Console.Error.WriteLineAsync("mndfhir: name a destination with --destination NAME, or use --all; not both.");
                return ExitCodes.Usage;
            }

            await using var cli = await CliContext.CreateAsync(parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct, WarmUp);
            var settings = cli.Services.GetRequiredService<IOptions<SyncSettings>>().Value;

            var names = parse.GetValue(all)
                ? settings.Destinations.Select(d => d.Name).ToList()
                : parse.GetValue(destination) is { } one ? [settings.Find(one).Name] : [];
            if (names.Count == 0)
            {
                await Console.Error.WriteLineAsync("mndfhir: name a destination with --destination NAME, or use --all.");
                return ExitCodes.Usage;
            }

            return parse.GetValue(dryRun) ? await PreviewAsync(cli, names, ct) : await SyncAsync(cli, names, Console.Out, ct);
        });
        return command;
    }

    /// <summary>What a sync resolves first (the mapping rules, the plan, the validation gate), resolved during start-up.</summary>
    public static void WarmUp(IServiceProvider services) => services.GetRequiredService<SyncRunner>();

    public static async Task<int> SyncAsync(CliContext cli, IReadOnlyList<string> destinations, TextWriter output, CancellationToken ct)
    {
        var exit = ExitCodes.Success;
        foreach (var name in destinations)
        {
            try
            {
                var summary = await cli.Services.GetRequiredService<SyncRunner>().RunAsync(name, "manual", ct);
                exit = Math.Max(exit, await WriteAsync(summary, output));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One destination's failure does not keep the others from their sync.
                exit = Math.Max(exit, await ReportFailureAsync(cli, name, ex));
            }
        }

        return exit;
    }

    /// <summary>One line of figures (and where the files went, or why it stopped); the exit code it calls for.</summary>
    public static async Task<int> WriteAsync(SyncRunSummary summary, TextWriter output)
    {
        await output.WriteLineAsync(
            $"sync {summary.Destination} (run {summary.RunId}): {summary.Considered} resources considered, {summary.Created} created, {summary.Updated} updated, " +
            $"{summary.Unchanged} unchanged, {summary.Failed} failed ({summary.Invalid} invalid, not sent), {summary.Blocked} blocked, {summary.Elapsed.TotalSeconds:0.0} s");
        if (summary.Output is not null)
        {
            await output.WriteLineAsync($"  written to {summary.Output}");
        }

        if (summary.Deleted > 0)
        {
            await output.WriteLineAsync($"  {summary.Deleted} resources deleted at the destination (registry consent withdrawn, or a retired pseudonym key)");
        }

        if (summary.ConsentWithdrawnNotice is { } notice)
        {
            await output.WriteLineAsync($"  {notice}");
        }

        if (summary.Error is not null)
        {
            await output.WriteLineAsync($"  stopped: {summary.Error}");

            // As every other failure: one line on stderr, for whoever reads only that.
            await Console.Error.WriteLineAsync($"mndfhir: sync {summary.Destination} stopped: {summary.Error}");
            return ExitCodes.DestinationUnavailable;
        }

        return summary.Failed + summary.Blocked + summary.ConsentWithdrawnHeld > 0 ? ExitCodes.NeedsAttention : ExitCodes.Success;
    }

    /// <summary>A sync that did not run or stopped: one line on stderr, its exit code; a defect's details go to the log.</summary>
    public static async Task<int> ReportFailureAsync(CliContext cli, string destination, Exception error)
    {
        var (code, message) = FailureReport.Describe(error);
        if (code == ExitCodes.InternalError)
        {
            cli.Logger.ForContext(CliContext.SaidOnStderr, true).Fatal(error, "The sync of {Destination} stopped on an unexpected {ExceptionType}", destination, error.GetType().Name);
        }

        await Console.Error.WriteLineAsync($"mndfhir: sync {destination}: {message}");
        return code;
    }

    private static async Task<int> PreviewAsync(CliContext cli, IReadOnlyList<string> destinations, CancellationToken ct)
    {
        var preview = cli.Services.GetRequiredService<SyncPreview>();
        var settings = cli.Services.GetRequiredService<IOptions<SyncSettings>>().Value;
        foreach (var name in destinations)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var unchanged = 0;
            await foreach (var item in preview.ChangesAsync(settings.Find(name), ct))
            {
                if (item.Kind == ChangeKind.Unchanged)
                {
                    unchanged++;
                    continue;
                }

                var what = SyncPreview.Describe(item);
                counts[what] = counts.GetValueOrDefault(what) + 1;
                await Console.Out.WriteLineAsync($"{name}\t{item.Mapped.Key.ResourceType}\t{item.Mapped.Key.BusinessId}\t{what}");
            }

            await foreach (var (key, what) in preview.WithdrawalsAsync(settings.Find(name), ct))
            {
                counts[what] = counts.GetValueOrDefault(what) + 1;
                await Console.Out.WriteLineAsync($"{name}\t{key.ResourceType}\t{key.BusinessId}\t{what}");
            }

            await Console.Error.WriteLineAsync(
                $"sync {name} --dry-run: {counts.Values.Sum()} would be sent or wait ({string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value} {c.Key}"))}), {unchanged} unchanged; nothing was sent");
        }

        return ExitCodes.Success;
    }
}
