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
        return new Command("quarantine", "The rows an import rejected.") { list };
    }
}
