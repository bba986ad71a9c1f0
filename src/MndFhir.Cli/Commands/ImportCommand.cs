using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MndFhir.Cli.Hosting;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Intake;

namespace MndFhir.Cli.Commands;

internal static class ImportCommand
{
    public static Command Create()
    {
        var from = new Option<DirectoryInfo?>("--from", "-f") { Description = "Folder holding patients.csv, treatments.csv, assessments.csv (default: Clinic:ExportPath)." };
        var allowRemovals = new Option<bool>("--allow-removals") { Description = "Mark records removed even when more than one record and more than a tenth of a file's records are gone (normally refused as a likely partial export)." };
        var command = new Command("import", "Import a complete clinic export as one unit: new and changed rows are stored, rows gone from it are marked removed, bad rows go to the quarantine with file, line, column and rule; a file that breaks a file rule is rejected whole.") { from, allowRemovals };
        command.SetAction(async (parse, ct) =>
        {
            await using var cli = await CliContext.CreateAsync(parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct);
            var folder = parse.GetValue(from)?.FullName ?? cli.Services.GetRequiredService<IOptions<ClinicOptions>>().Value.ExportPath;
            if (folder is null)
            {
                await Console.Error.WriteLineAsync("mndfhir: name the export folder with --from DIR, or set Clinic:ExportPath in the configuration.");
                return ExitCodes.Usage;
            }

            var summary = await cli.Services.GetRequiredService<ClinicImporter>().ImportAsync(folder, new ImportOptions { AllowRemovals = parse.GetValue(allowRemovals) }, ct);
            await Write(summary, Console.Out);
            return summary.IsClean ? ExitCodes.Success : ExitCodes.NeedsAttention;
        });
        return command;
    }

    public static async Task Write(ImportSummary summary, TextWriter output)
    {
        foreach (var f in summary.Files)
        {
            if (f.Problem is { } problem)
            {
                await output.WriteLineAsync($"import {f.File}: REJECTED, nothing of it imported: {problem}");
                continue;
            }

            await output.WriteLineAsync(
                $"import {f.File}: {f.Rows} rows, {f.Created} new, {f.Updated} changed, {f.Unchanged} unchanged, {f.Rejected} rejected to quarantine" +
                (f.Retracted > 0 ? $", {f.Retracted} withdrawn (entered-in-error)" : string.Empty) +
                (f.Removed > 0 ? $", {f.Removed} no longer in the export (marked removed)" : string.Empty));
        }

        foreach (var w in summary.Warnings.Take(20))
        {
            await output.WriteLineAsync($"  warning: {w}");
        }

        if (summary.Warnings.Count > 20)
        {
            await output.WriteLineAsync($"  ... and {summary.Warnings.Count - 20} more warnings");
        }

        if (summary.OpenQuarantine > 0)
        {
            await output.WriteLineAsync($"  {summary.OpenQuarantine} rejected rows or files wait in the quarantine ({summary.Rejected} rows and {summary.FilesRejected} files from this import): see 'mndfhir quarantine list'");
        }
    }
}
