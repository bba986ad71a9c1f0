using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Cli.Hosting;
using MndFhir.Data;

namespace MndFhir.Cli.Commands;

internal static class QuarantineCommand
{
    public static Command Create()
    {
        var all = new Option<bool>("--all") { Description = "Also list rows that a later import resolved." };
        var list = new Command("list", "Rows rejected at import, with file, line, column and rule; fix them in the source and import again.") { all };
        list.SetAction(async (parse, ct) =>
        {
            await using var cli = await CliContext.CreateAsync(parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct);
            await using var db = await cli.Services.GetRequiredService<IDbContextFactory<MndFhirDbContext>>().CreateDbContextAsync(ct);
            var includeResolved = parse.GetValue(all);
            var rows = await db.Quarantine.AsNoTracking()
                .Where(q => includeResolved || q.ResolvedAt == null)
                .OrderBy(q => q.File).ThenBy(q => q.Line)
                .ToListAsync(ct);
            foreach (var q in rows)
            {
                var state = q.ResolvedAt is null ? "open" : "resolved";
                await Console.Out.WriteLineAsync($"#{q.Id} [{state}] {q.File}:{q.Line} column {q.Column ?? "-"} record {q.RecordId ?? "-"} rule {q.Rule}: {q.Message}");
            }

            await Console.Out.WriteLineAsync($"{rows.Count} quarantined rows");
            return 0;
        });
        return new Command("quarantine", "The rows an import rejected.") { list };
    }
}
