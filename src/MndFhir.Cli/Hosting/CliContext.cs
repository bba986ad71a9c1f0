using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.Sync;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace MndFhir.Cli.Hosting;

/// <summary>
/// What every command needs: the configuration (the file named by --config, else ./mndfhir.json, else defaults;
/// environment variables MNDFHIR__Section__Key override it), Serilog, the services, and a migrated database.
/// </summary>
internal sealed class CliContext : IAsyncDisposable
{
    private CliContext(IConfiguration configuration, string baseDirectory, Serilog.ILogger logger, ServiceProvider services)
    {
        Configuration = configuration;
        BaseDirectory = baseDirectory;
        Logger = logger;
        Services = services;
    }

    public IConfiguration Configuration { get; }

    /// <summary>The folder relative paths in the configuration are taken from.</summary>
    public string BaseDirectory { get; }

    public Serilog.ILogger Logger { get; }

    public ServiceProvider Services { get; }

    public static (IConfiguration Configuration, string BaseDirectory) LoadConfiguration(FileInfo? configFile)
    {
        var builder = new ConfigurationBuilder();
        string baseDirectory;
        var file = configFile ?? (File.Exists("mndfhir.json") ? new FileInfo("mndfhir.json") : null);
        if (file is not null)
        {
            if (!file.Exists)
            {
                throw new FileNotFoundException($"The configuration file '{file.FullName}' does not exist.");
            }

            builder.AddJsonFile(file.FullName, optional: false);
            baseDirectory = file.DirectoryName!;
        }
        else
        {
            baseDirectory = Directory.GetCurrentDirectory();
            var mappings = FindMappings(baseDirectory) ?? FindMappings(AppContext.BaseDirectory);
            if (mappings is not null)
            {
                builder.AddInMemoryCollection(new Dictionary<string, string?> { ["Clinic:MappingsPath"] = mappings });
            }
        }

        builder.AddEnvironmentVariables("MNDFHIR__");
        return (builder.Build(), baseDirectory);
    }

    public static async Task<CliContext> CreateAsync(FileInfo? configFile, bool verbose, CancellationToken ct)
    {
        var (configuration, baseDirectory) = LoadConfiguration(configFile);
        var logger = CreateLogger(configuration, baseDirectory, verbose);
        var services = new ServiceCollection()
            .AddLogging(l => l.AddSerilog(logger))
            .AddMndFhirSync(configuration, baseDirectory)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var context = new CliContext(configuration, baseDirectory, logger, services);
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
        return context;
    }

    /// <summary>Console (warnings, or everything with --verbose) on stderr, and a rolling JSON file. Ids and counts only.</summary>
    public static Serilog.ILogger CreateLogger(IConfiguration configuration, string baseDirectory, bool verbose)
    {
        var logFolder = Path.GetFullPath(configuration["Logging:Folder"] ?? "logs", baseDirectory);
        return new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Hangfire", LogEventLevel.Information)
            .Enrich.FromLogContext()
            .WriteTo.Console(
                restrictedToMinimumLevel: verbose ? LogEventLevel.Information : LogEventLevel.Warning,
                standardErrorFromLevel: LogEventLevel.Verbose,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            .WriteTo.File(new CompactJsonFormatter(), Path.Combine(logFolder, "mndfhir-.json"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 31)
            .CreateLogger();
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        (Logger as IDisposable)?.Dispose();
    }

    private static string? FindMappings(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "mappings", "settings.yaml");
            if (File.Exists(candidate))
            {
                return Path.GetDirectoryName(candidate);
            }
        }

        return null;
    }
}
