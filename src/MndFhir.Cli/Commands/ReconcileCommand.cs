using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Cli.Hosting;
using MndFhir.Sync.Ledger;

namespace MndFhir.Cli.Commands;

internal static class ReconcileCommand
{
    public static Command Create()
    {
        var destination = new Option<string>("--destination", "-d") { Description = "The FHIR destination to compare with its ledger.", Required = true };
        var repair = new Option<bool>("--repair") { Description = "Correct the ledger so that the next sync puts the server right (duplicates are only reported)." };
        var command = new Command("reconcile", "Compare what a FHIR destination holds with the ledger, record by record; report drift and, with --repair, fix it.") { destination, repair };
        command.SetAction(async (parse, ct) =>
        {
            await using var cli = await CliContext.CreateAsync(parse.GetValue(CommonOptions.Config), parse.GetValue(CommonOptions.Verbose), ct, readOnly: !parse.GetValue(repair));
            var report = await cli.Services.GetRequiredService<LedgerReconciler>().ReconcileAsync(parse.GetValue(destination)!, parse.GetValue(repair), ct);
            await Console.Out.WriteLineAsync(
                $"reconcile {report.Destination}: {report.Checked} checked, {report.Agreeing} agree, {report.Missing.Count} missing on the server, " +
                $"{report.Moved.Count} under another id, {report.UnknownToLedger.Count} unknown to the ledger, {report.Duplicated.Count} duplicated on the server");
            foreach (var key in report.Missing.Concat(report.Moved).Concat(report.UnknownToLedger).Take(20))
            {
                await Console.Out.WriteLineAsync($"  drift: {key}");
            }

            foreach (var (key, ids) in report.Duplicated)
            {
                await Console.Out.WriteLineAsync($"  duplicated: {key} is on the server as {string.Join(", ", ids)} (decide which to keep; delete the others on the server)");
            }

            if (report.Repaired && report.HasDrift)
            {
                await Console.Out.WriteLineAsync("  the ledger was repaired: the next sync re-creates what is missing and updates the rest in place");
            }

            return !report.HasDrift || (report.Repaired && report.Duplicated.Count == 0) ? 0 : 1;
        });
        return command;
    }
}
