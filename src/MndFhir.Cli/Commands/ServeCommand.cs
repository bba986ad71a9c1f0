using System.CommandLine;
using Microsoft.Extensions.Hosting;
using MndFhir.Cli.Hosting;
using MndFhir.Service;

namespace MndFhir.Cli.Commands;

internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = $"Where to listen (default {ServiceHost.DefaultUrl}; loopback only unless an API key is set)." };
        var command = new Command("serve", "Run the service: Hangfire server with each destination's schedule, dashboard at /hangfire, API at /api.") { urls };
        command.SetAction(async (parse, ct) =>
        {
            var (configuration, baseDirectory) = CliContext.LoadConfiguration(parse.GetValue(CommonOptions.Config));

            // The service's console keeps why a sync stopped: nothing else there says it.
            var logger = CliContext.CreateLogger(configuration, baseDirectory, verbose: true, commandSaysFailures: false);

            // A refusal (an address beyond loopback without an API key, a short key, a configuration problem) reaches
            // Program's one-line report with exit code 2: nothing was bound.
            await using var app = ServiceHost.Build(configuration, baseDirectory, parse.GetValue(urls), logger);
            await ServiceHost.PrepareAsync(app.Services, ct);
            await app.StartAsync(ct);
            var addresses = ServiceHost.Addresses(app);
            logger.Information("MndFhir service listening on {Addresses}", addresses);
            await Console.Out.WriteLineAsync($"mndfhir serve: listening on {string.Join(", ", addresses)} (API /api, its reference /scalar/v1, patient pages /patients, dashboard /hangfire, health /health); Ctrl+C stops it");
            await app.WaitForShutdownAsync(ct);
            await CliContext.FlushLearntShapesAsync(app.Services);
            return 0;
        });
        return command;
    }
}
