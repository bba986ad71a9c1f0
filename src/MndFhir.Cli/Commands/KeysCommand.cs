using System.CommandLine;
using Microsoft.Extensions.Configuration;
using MndFhir.Cli.Hosting;
using MndFhir.Service.Configuration;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery.Authentication;

namespace MndFhir.Cli.Commands;

internal static class KeysCommand
{
    public static Command Create()
    {
        var destination = new Option<string>("--destination", "-d") { Description = "The SmartBackendServices destination whose key to publish.", Required = true };
        var jwks = new Command("jwks", "Print the JWKS (public key only) of a destination's SMART Backend Services key, for the server's registration of this client.") { destination };
        jwks.SetAction(async (parse, _) =>
        {
            var (configuration, baseDirectory) = CliContext.LoadConfiguration(parse.GetValue(CommonOptions.Config));
            ConfigurationCheck.Ensure(configuration, baseDirectory, ServiceConfiguration.Sections);
            var settings = new SyncSettings();
            configuration.Bind(settings);
            var options = settings.Find(parse.GetValue(destination)!);
            if (options.Auth != AuthKind.SmartBackendServices)
            {
                throw new ConfigurationException($"Destination '{options.Name}' does not use SmartBackendServices auth (Auth is {options.Auth}); it has no key to publish.");
            }

            options.ResolvePaths(baseDirectory);
            using var key = SmartSigningKey.Load(options);
            await Console.Out.WriteLineAsync(key.Jwks());
            return ExitCodes.Success;
        });
        return new Command("keys", "The keys MndFhir signs with.") { jwks };
    }
}
