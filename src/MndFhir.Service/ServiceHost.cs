using System.Text.Json.Serialization;
using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Scalar.AspNetCore;
using MndFhir.Data;
using MndFhir.Service.Api;
using MndFhir.Service.Configuration;
using MndFhir.Service.Pages;
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

    public static WebApplication Build(IConfiguration configuration, string baseDirectory, string? urls, Serilog.ILogger logger)
    {
        // Security first: never listen beyond loopback with an unguarded API, whatever else is wrong.
        var service = new ServiceOptions();
        configuration.GetSection(ServiceOptions.Section).Bind(service);
        var listen = urls ?? service.Urls;
        var apiKey = ApiKey.FromEnvironment(service.ApiKeyVariable);
        apiKey.EnsureSafeFor(listen);
        ConfigurationCheck.Ensure(configuration, baseDirectory, ServiceConfiguration.Sections);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddConfiguration(configuration);
        builder.Services.AddSerilog(logger);
        builder.Services.AddOptions<ServiceOptions>().BindConfiguration(ServiceOptions.Section).ValidateOnStart();
        builder.WebHost.UseUrls(listen);
        builder.Services.AddSingleton(apiKey);
        builder.Services.AddMndFhirSync(builder.Configuration, baseDirectory);

        // Outcomes and every other enum as words in the API, as in status.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddMndFhirHangfire(builder.Configuration, baseDirectory);
        builder.Services.AddTransient<TrajectoryReader>();
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer<ApiDocumentDescription>());
        var app = builder.Build();
        app.UseStaffAccess();
        // The dashboard keeps Hangfire's default: local requests only. Put a reverse proxy with authentication in
        // front before exposing it beyond this machine.
        app.UseHangfireDashboard("/hangfire", new DashboardOptions { DashboardTitle = "MndFhir sync" });
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
