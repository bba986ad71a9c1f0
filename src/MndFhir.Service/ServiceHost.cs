using System.Text.Json.Serialization;
using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Scalar.AspNetCore;
using MndFhir.Data;
using MndFhir.Service.Api;
using MndFhir.Service.Configuration;
using MndFhir.Service.Pages;
using MndFhir.Service.Security;
using MndFhir.Sync.Configuration;
using MndFhir.Service.Scheduling;
using MndFhir.Sync;
using MndFhir.Sync.Scheduling;
using Serilog;

namespace MndFhir.Service;

/// <summary>The long-running service: Hangfire server and dashboard, the REST API and health, on loopback by default.</summary>
public static class ServiceHost
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>
    /// Builds the service. Where it listens is checked when Kestrel binds (<see cref="ListenGuard"/>): without an API key,
    /// starting it on anything beyond loopback throws <see cref="UnguardedApiException"/> before that address is bound.
    /// </summary>
    public static WebApplication Build(IConfiguration configuration, string baseDirectory, string? urls, Serilog.ILogger logger)
    {
        var service = configuration.GetSection(ServiceOptions.Section).Get<ServiceOptions>() ?? new ServiceOptions();
        var apiKey = ApiKey.FromEnvironment(service.ApiKeyVariable);
        ConfigurationCheck.Ensure(configuration, baseDirectory, ServiceConfiguration.Sections);
        var hangfire = configuration.GetSection(HangfireOptions.Section).Get<HangfireOptions>() ?? new HangfireOptions();
        if (hangfire.SharedFileProblem(configuration.GetSection("Database").Get<DatabaseOptions>() ?? new DatabaseOptions(), baseDirectory) is { } shared)
        {
            // Before anything is created: Hangfire's storage writes its tables when the host is built.
            throw new ConfigurationException("the configuration has a problem: " + shared);
        }

        var knownProxies = service.KnownProxyAddresses();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Configuration.AddConfiguration(configuration);
        builder.Services.AddSerilog(logger);
        builder.Services.AddOptions<ServiceOptions>().BindConfiguration(ServiceOptions.Section).ValidateOnStart();

        // --urls, then Service:Urls, then the host's own Urls (ASPNETCORE_URLS, a top-level Urls key); Kestrel:Endpoints,
        // when configured, replace them (Kestrel's rule). All of them pass the one check when they are bound.
        // Service:Urls passed the configuration check; --urls and the host's Urls are read here, as Kestrel will read them.
        var (listen, source) = urls is not null ? (urls, "--urls")
            : service.Urls is not null ? (service.Urls, "Service:Urls")
            : builder.Configuration[WebHostDefaults.ServerUrlsKey] is { } hostUrls ? (hostUrls, "Urls")
            : (DefaultUrl, "the default");
        if (ListenUrls.Problem(listen) is { } problem)
        {
            throw new ConfigurationException($"{source}: {problem}");
        }

        builder.WebHost.UseUrls(listen);
        foreach (var endpoint in builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (ListenUrls.Problem(endpoint["Url"]) is { } endpointProblem)
            {
                throw new ConfigurationException($"{endpoint.Path}:Url: {endpointProblem}");
            }
        }
        HttpsCertificates.Ensure(builder.Configuration, listen, builder.Environment.ContentRootPath);
        builder.Services.AddSingleton(apiKey);
        builder.Services.AddSingleton<ServiceAccess>();

        // Hangfire's dashboard checks the anti-forgery token of every POST when these services are there. That token (and
        // its cookie) is all data protection signs here: the service sets no authentication cookie (the API key comes with
        // each request) and stores nothing protected. So its keys live in memory, on Linux and Windows alike, and there is
        // nothing at rest to encrypt; a restart asks the page to be loaded again. The key manager itself is pointed at
        // memory, before AddDataProtection's defaults: UseEphemeralDataProtectionProvider left it writing an unused,
        // unencrypted key to ~/.aspnet/DataProtection-Keys at every start, with the warning "No XML encryptor
        // configured" (dotnet/aspnetcore#54234).
        builder.Services.Configure<KeyManagementOptions>(o =>
        {
            o.XmlRepository = new InMemoryKeyRepository();
            o.XmlEncryptor = new NullXmlEncryptor();
        });
        builder.Services.AddDataProtection().SetApplicationName("MndFhir");
        builder.Services.AddAntiforgery();
        builder.Services.AddMndFhirSync(builder.Configuration, baseDirectory);

        // Outcomes and every other enum as words in the API, as in status.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddMndFhirHangfire(builder.Configuration, baseDirectory);
        ListenGuard.Install(builder.Services);
        builder.Services.AddTransient<TrajectoryReader>();
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer<ApiDocumentDescription>());
        var app = builder.Build();

        // One access rule, before routing, for the API, its document and reference page, the patient pages and the
        // dashboard (Security.ServiceAccess); the endpoints' staff marker documents it in the OpenAPI document.
        app.UseMndFhirSecurity(knownProxies);
        app.UseStaffAccess();
        app.UseHangfireDashboard(ServiceAccess.DashboardPath, new DashboardOptions
        {
            DashboardTitle = "MndFhir sync",
            Authorization = [new DashboardAccessFilter()],
            IgnoreAntiforgeryToken = false,
        });
        app.MapMndFhirApi();
        app.MapPatientPages();

        // The API's OpenAPI document at its default /openapi/v1.json and its reference page at /scalar: staff-only, as the API.
        app.MapOpenApi().RequireStaffAccess();
        app.MapScalarApiReference(o => o.WithTitle("MndFhir API")).RequireStaffAccess();
        return app;
    }

    /// <summary>The addresses a started service listens on.</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    /// <summary>Applies migrations and makes the recurring jobs match the configured destinations.</summary>
    public static async Task PrepareAsync(IServiceProvider services, CancellationToken ct)
    {
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
        using var connection = JobStorage.Current.GetConnection();
        var existing = Hangfire.Storage.StorageConnectionExtensions.GetRecurringJobs(connection).Select(j => j.Id);
        services.GetRequiredService<JobSchedule>().Apply(existing.ToList());
    }
}
