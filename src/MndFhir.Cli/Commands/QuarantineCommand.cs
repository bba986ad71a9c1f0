using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Cli.Hosting;
using MndFhir.Sync.Quarantine;

namespace MndFhir.Cli.Commands;

internal static class QuarantineCommand
{
    public static Command Create()
    {
        var all = new Option<bool>("--all") { Description = "Also list rows that a later import resolved." };
        var json = CliJson.Option();
        var list = new Command("list", "Rows rejected at import, with file, line, column and rule; fix them in the source and import again.") { all, json };
        list.SetAction(async (parse, ct) =>
        {
            await using var cli = await CliContext.CreateAsync(parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct, readOnly: true);
            var rows = await cli.Services.GetRequiredService<QuarantineQueries>().ListAsync(parse.GetValue(all), ct);
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(rows, Console.Out);
                return 0;
            }

            foreach (var q in rows)
            {
                var state = q.State == QuarantineState.Open ? "open" : "resolved";
                await Console.Out.WriteLineAsync($"#{q.Id} [{state}] {q.File}:{q.Line} column {q.Column ?? "-"} record {q.RecordId ?? "-"} rule {q.Rule}: {q.Message}");
            }

            await Console.Out.WriteLineAsync($"{rows.Count} quarantined rows");
            return 0;
        });
        var ids = new Argument<long[]>("id")
        {
            Description = "The entries' numbers (from list).",
            Arity = ArgumentArity.OneOrMore,
            CustomParser = CliArguments.Ids("id", "a quarantine entry's number", "mndfhir quarantine list"),
        };
        var reason = new Option<string?>("--reason") { Description = $"Why (kept with the entry, up to {QuarantineDismissal.MaxReasonLength} characters; no names or other personal data)." };
        var dismiss = new Command(
            "dismiss",
            "Close open entries by hand, kept as resolved with who and why (for a row the clinic will not send again); a row still in the export and still broken is quarantined again by the next import.")
        {
            ids, reason,
        };
        dismiss.SetAction(async (parse, ct) =>
        {
            var why = parse.GetValue(reason);
            if (why is not null && (string.IsNullOrWhiteSpace(why) || why.Length > QuarantineDismissal.MaxReasonLength))
            {
                await Console.Error.WriteLineAsync($"mndfhir: --reason: give 1 to {QuarantineDismissal.MaxReasonLength} characters; see 'mndfhir quarantine dismiss --help'");
                return ExitCodes.Usage;
            }

            await using var cli = await CliContext.CreateAsync(parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct, readOnly: true);
            var result = await cli.Services.GetRequiredService<QuarantineDismissal>().DismissAsync(parse.GetValue(ids)!, Operator(), why, ct);
            if (result.Unknown.Count > 0)
            {
                await Console.Error.WriteLineAsync($"mndfhir: no quarantine entry {string.Join(", ", result.Unknown.Select(i => "#" + i))}; nothing was dismissed (see 'mndfhir quarantine list --all').");
                return ExitCodes.Usage;
            }

            foreach (var id in result.Dismissed)
            {
                await Console.Out.WriteLineAsync($"#{id} dismissed");
            }

            foreach (var id in result.AlreadyResolved)
            {
                await Console.Out.WriteLineAsync($"#{id} was resolved before; left as it was");
            }

            return 0;
        });
        return new Command("quarantine", "The rows an import rejected: list them, dismiss them.") { list, dismiss };
    }

    /// <summary>Who dismisses: the operating-system account running the command.</summary>
    private static string Operator() => string.IsNullOrWhiteSpace(Environment.UserName) ? "unknown user" : Environment.UserName;
}
