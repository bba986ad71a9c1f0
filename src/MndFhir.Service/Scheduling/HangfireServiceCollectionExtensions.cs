using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.SqlServer;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Sync.Scheduling;

namespace MndFhir.Service.Scheduling;

public static class HangfireServiceCollectionExtensions
{
    /// <summary>Hangfire with the configured storage and a server in this process.</summary>
    public static IServiceCollection AddMndFhirHangfire(this IServiceCollection services, IConfiguration configuration, string baseDirectory)
    {
        var options = configuration.GetSection(HangfireOptions.Section).Get<HangfireOptions>() ?? new HangfireOptions();
        services.AddHangfire(config =>
        {
            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            switch (options.Storage)
            {
                case HangfireStorageKind.Sqlite:
                    config.UseSQLiteStorage(options.SqliteFile(baseDirectory));
                    break;
                case HangfireStorageKind.SqlServer:
                    config.UseSqlServerStorage(Required(options), new SqlServerStorageOptions { PrepareSchemaIfNecessary = true, QueuePollInterval = TimeSpan.FromSeconds(options.QueuePollingSeconds) });
                    break;
                case HangfireStorageKind.PostgreSql:
                    config.UsePostgreSqlStorage(
                        o => o.UseNpgsqlConnection(Required(options)),
                        new PostgreSqlStorageOptions { QueuePollInterval = TimeSpan.FromSeconds(options.QueuePollingSeconds) });
                    break;
                default:
                    config.UseInMemoryStorage();
                    break;
            }
        });
        services.AddHangfireServer(o =>
        {
            o.WorkerCount = options.WorkerCount; // 1 to 64: ConfigurationCheck refuses anything else
            o.SchedulePollingInterval = TimeSpan.FromSeconds(options.SchedulePollingSeconds);
        });
        services.AddTransient<SyncJob>();
        services.AddTransient<ScheduledMainJob>();
        services.AddTransient<JobSchedule>();
        return services;
    }

    private static string Required(HangfireOptions options) =>
        options.ConnectionString ?? throw new MndFhir.Sync.Configuration.ConfigurationException($"Hangfire:ConnectionString is required for {options.Storage} storage.");
}
