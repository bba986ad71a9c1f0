using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MndFhir.Cli.Hosting;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.DeadLetters;

namespace MndFhir.Cli.Commands;

internal static class DeadLettersCommand
{
    public static Command Create()
    {
        var destination = new Option<string?>("--destination", "-d") { Description = "Only this destination." };
        var json = CliJson.Option();
        var list = new Command("list", "Resources a destination rejected (with the HTTP status and the server's reason) or MndFhir found invalid and did not send.") { destination, json };
        list.SetAction(async (parse, ct) =>
        {
            await using var cli = await CliContext.CreateAsync(parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct, readOnly: true);
            var only = parse.GetValue(destination) is { } name ? cli.Services.GetRequiredService<IOptions<SyncSettings>>().Value.Find(name).Name : null;
            var letters = await cli.Services.GetRequiredService<DeadLetterQueries>().ListAsync(only, ct);
            if (parse.GetValue(json))
            {
                // The shape of GET /api/dead-letters.
                await CliJson.WriteAsync(letters, Console.Out);
                return 0;
            }

            foreach (var l in letters)
            {
                await Console.Out.WriteLineAsync($"#{l.Id} {l.Destination} {l.ResourceType}/{l.BusinessId} record {l.RecordId ?? "-"} attempts {l.Attempts} at {l.UpdatedAt:yyyy-MM-dd HH:mm}Z: {l.Summary}");
            }

            await Console.Out.WriteLineAsync($"{letters.Count} dead letters");
            return 0;
        });

        var id = new Argument<long>("id")
        {
            Description = "The dead letter's number (from list).",
            CustomParser = CliArguments.Id("id", "a dead letter's number", "mndfhir dead-letters list"),
        };
        var show = new Command("show", "One dead letter with the destination's whole OperationOutcome.") { id };
        show.SetAction(async (parse, ct) =>
        {
            await using var cli = await CliContext.CreateAsync(parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct, readOnly: true);
            var letter = await cli.Services.GetRequiredService<DeadLetterQueries>().FindAsync(parse.GetValue(id), ct);
            if (letter is null)
            {
                await Console.Error.WriteLineAsync($"mndfhir: no dead letter #{parse.GetValue(id)}.");
                return ExitCodes.Usage;
            }

            await Console.Out.WriteLineAsync($"#{letter.Id} {letter.Destination} {letter.ResourceType}/{letter.BusinessId} (record {letter.RecordId ?? "-"}), {letter.Attempts} attempts, last {letter.UpdatedAt:u}");
            await Console.Out.WriteLineAsync(letter.Summary);
            await Console.Out.WriteLineAsync(Pretty(letter.Outcome));
            return 0;
        });

        var retryDestination = new Option<string?>("--destination", "-d") { Description = "Only this destination (default: every destination with dead letters)." };
        var retry = new Command("retry", "Send the dead letters again now (after fixing the source, re-import first; after fixing a mapping, just retry).") { retryDestination };
        retry.SetAction(async (parse, ct) =>
        {
            await using var cli = await CliContext.CreateAsync(parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct);
            // An unknown destination is a usage error, not "no dead letters".
            var only = parse.GetValue(retryDestination) is { } name ? cli.Services.GetRequiredService<IOptions<SyncSettings>>().Value.Find(name).Name : null;
            var letters = await cli.Services.GetRequiredService<DeadLetterQueries>().ListAsync(only, ct);
            var destinations = letters.Select(l => l.Destination).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (destinations.Count == 0)
            {
                await Console.Out.WriteLineAsync("No dead letters to retry.");
                return 0;
            }

            // A sync retries every failed resource of its destination (and sends whatever else changed).
            return await SyncCommand.SyncAsync(cli, destinations, Console.Out, ct);
        });

        return new Command("dead-letters", "Resources a destination rejected: list, show, retry.") { list, show, retry };
    }

    private static string Pretty(string? json)
    {
        if (json is null)
        {
            return "(no answer recorded)";
        }

        try
        {
            return JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, new JsonSerializerOptions { WriteIndented = true });
        }
        catch (JsonException)
        {
            return json;
        }
    }
}
