using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MndFhir.Data;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Planning;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.DeadLetters;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Ledger;
using MndFhir.Sync.Runs;
using MndFhir.Sync.Progress;
using MndFhir.Sync.Pseudonymisation;
using MndFhir.Sync.Scheduling;
using MndFhir.Sync.Status;
using MndFhir.Validation;
using MndFhir.Validation.FastPath;
using MndFhir.Sync.Validation;

namespace MndFhir.Sync;

public static class SyncServiceCollectionExtensions
{
    /// <summary>
    /// Registers everything a sync needs: options (validated at start), the database, the mapping rules (loaded and
    /// checked once), the mapper, intake, ledger, delivery and status. Relative paths in the configuration are taken
    /// from <paramref name="baseDirectory"/> (the configuration file's folder).
    /// </summary>
    public static IServiceCollection AddMndFhirSync(this IServiceCollection services, IConfiguration configuration, string baseDirectory)
    {
        services.AddOptions<ClinicOptions>()
            .Bind(configuration.GetSection(ClinicOptions.Section))
            .PostConfigure(o =>
            {
                o.MappingsPath = Path.GetFullPath(o.MappingsPath, baseDirectory);
                o.ExportPath = o.ExportPath is null ? null : Path.GetFullPath(o.ExportPath, baseDirectory);
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<SyncSettings>()
            .Bind(configuration)
            .PostConfigure(s =>
            {
                foreach (var d in s.Destinations)
                {
                    d.Folder = d.Folder is null ? null : Path.GetFullPath(d.Folder, baseDirectory);
                    d.ResolvePaths(baseDirectory);
                }

                foreach (var d in s.Destinations.Where(d => d.PseudonymKeyFile is { Length: > 0 }))
                {
                    d.PseudonymKeyFile = Path.GetFullPath(d.PseudonymKeyFile!, baseDirectory);
                }
            })
            .Validate(s => s.Destinations.Select(d => d.Name.ToLowerInvariant()).Distinct().Count() == s.Destinations.Count, "Destination names must be unique.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SyncSettings>, SyncSettingsValidator>();

        var database = configuration.GetSection("Database").Get<DatabaseOptions>() ?? new DatabaseOptions();
        database.ResolveRelativePaths(baseDirectory);
        services.AddMndFhirDatabase(database);

        services.AddSingleton(TimeProvider.System);
        services.TryAddSingleton<IRunProgress, LoggingRunProgress>();
        services.AddSingleton(sp => MappingSetLoader.Load(sp.GetRequiredService<IOptions<ClinicOptions>>().Value.MappingsPath));
        services.AddSingleton(sp => new ClinicIdentity(sp.GetRequiredService<IOptions<ClinicOptions>>().Value.IdentifierSystem));
        services.AddSingleton<DestinationIdentities>();
        services.AddSingleton<FhirMapper>();
        services.AddSingleton<ResourcePlan>();
        services.AddSingleton<IValidShapeStore, DatabaseValidShapeStore>();
        services.AddSingleton<IResourceValidator>(sp =>
        {
            var mappings = sp.GetRequiredService<IOptions<ClinicOptions>>().Value.MappingsPath;
            return new FastPathValidator(() => FirelyResourceValidator.ForMappings(mappings), Path.Combine(mappings, "profiles"), sp.GetRequiredService<IValidShapeStore>(), releaseAfter: 20_000, fullValidators: ValidationGate.Parallelism);
        });
        FhirServerClientFactory.Register(services, configuration);
        services.AddSingleton<IDestinationWriterFactory, DestinationWriterFactory>();
        services.AddTransient<ValidationGate>();
        services.AddTransient<Withdrawals>();
        services.AddTransient<SyncRunRecorder>();
        services.AddTransient<DeliveryLedger>();
        services.AddTransient<SyncRunner>();
        services.AddTransient<SyncStatusService>();
        services.AddTransient<SyncPreview>();
        services.AddTransient<StatusSnapshots>();
        services.AddTransient<IntakeStatusService>();
        services.AddTransient<ClinicImporter>();
        services.AddSingleton<ExportWatch>();
        services.AddTransient<MainJob>();
        services.AddTransient<DeadLetterQueries>();
        services.AddTransient<Quarantine.QuarantineQueries>();
        services.AddTransient<Quarantine.QuarantineDismissal>();
        services.AddTransient<SyncRunQueries>();
        services.AddTransient<LedgerReconciler>();
        return services;
    }
}
