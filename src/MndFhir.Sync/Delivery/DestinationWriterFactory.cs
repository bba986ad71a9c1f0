using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using MndFhir.Identity;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Delivery;

/// <summary>Creates the writer for one sync of one destination; secrets are read from the environment at that moment.</summary>
public sealed class DestinationWriterFactory(ClinicIdentity identity, ILoggerFactory loggers) : IDestinationWriterFactory
{
    public IDestinationWriter Create(DestinationOptions destination, long runId, DateTimeOffset startedAt) => destination.Kind switch
    {
        DestinationKind.NdjsonFolder => NdjsonFolderWriter.Start(destination.Folder!, destination.Name, startedAt, runId, loggers.CreateLogger<NdjsonFolderWriter>()),
        DestinationKind.FhirRest => new FhirRestWriter(
            CreateHttpClient(destination),
            identity,
            new TransientRetry(loggers.CreateLogger<TransientRetry>(), destination.RetryAttempts, maxTotal: TimeSpan.FromSeconds(destination.RetryMaxSeconds)),
            destination.Name,
            loggers.CreateLogger<FhirRestWriter>(),
            destination.BundleMode),
        _ => throw new ArgumentOutOfRangeException(nameof(destination), destination.Kind, "unknown destination kind"),
    };

    internal static HttpClient CreateHttpClient(DestinationOptions destination)
    {
        var baseUrl = destination.BaseUrl!.ToString();
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/"),
            Timeout = TimeSpan.FromSeconds(destination.TimeoutSeconds),
        };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("MndFhir", "1.0"));
        if (destination.Auth != AuthKind.None)
        {
            var secret = Environment.GetEnvironmentVariable(destination.TokenVariable!)
                ?? throw new ConfigurationException(
                    $"Destination '{destination.Name}' needs its secret in the environment variable {destination.TokenVariable}, which is not set.");
            http.DefaultRequestHeaders.Authorization = destination.Auth == AuthKind.Bearer
                ? new AuthenticationHeaderValue("Bearer", secret)
                : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{destination.UserName}:{secret}")));
        }

        return http;
    }
}
