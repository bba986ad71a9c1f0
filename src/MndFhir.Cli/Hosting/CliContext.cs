using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Data;
using MndFhir.Sync;
using Microsoft.Extensions.Options;
using MndFhir.Service.Configuration;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Progress;
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
            try
            {
                builder.Build();
            }
            catch (InvalidDataException ex)
            {
                throw new ConfigurationException($"The configuration file '{file.FullName}' is not valid JSON: {(ex.GetBaseException() is var cause && cause != ex ? cause.Message : ex.Message)}", ex);
            }

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

    /// <summary>
    /// The configuration of a command that works on the database: it must exist (--config, or ./mndfhir.json), and it is
    /// checked, every key, before anything runs (<see cref="ConfigurationCheck"/>), then the options' own rules.
    /// </summary>
    /// <param name="warmUp">
    /// Resolves the services the command will use (the mapping rules are read then) on a second core while the database's
    /// schema is checked, which builds EF Core's model on this one (about 0.3 s). A warm-up only: whatever it throws is
    /// dropped, and the command meets the same failure where it resolves the service itself.
    /// </param>
    /// <param name="readOnly">
    /// The command only reads (status, runs, the listings, map): where there is no MndFhir database it says so
    /// (<see cref="DatabaseMigrator.MigrateAsync(bool, CancellationToken)"/>) and creates none.
    /// </param>
    public static async Task<CliContext> CreateAsync(FileInfo? configFile, bool verbose, CancellationToken ct, Action<IServiceProvider>? warmUp = null, bool readOnly = false)
    {
        if (configFile is null && !File.Exists("mndfhir.json"))
        {
            throw new ConfigurationException("no configuration: name one with --config FILE, or put mndfhir.json in this folder (samples/mndfhir.sample.json shows the shape).");
        }

        var (configuration, baseDirectory) = LoadConfiguration(configFile);
        ConfigurationCheck.Ensure(configuration, baseDirectory, ServiceConfiguration.Sections);
        var logger = CreateLogger(configuration, baseDirectory, verbose, createFolder: !readOnly);
        var services = new ServiceCollection()
            .AddLogging(l => l.AddSerilog(logger))
            .AddSingleton<IRunProgress>(sp => new TerminalRunProgress(TimeProvider.System))
            .AddMndFhirSync(configuration, baseDirectory)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var context = new CliContext(configuration, baseDirectory, logger, services);
        try
        {
            // What ValidateOnStart does for a host: every options class's own rules, before any work.
            services.GetRequiredService<IStartupValidator>().Validate();
            var warming = warmUp is null ? Task.CompletedTask : Task.Run(() => WarmUp(services, warmUp), CancellationToken.None);
            try
            {
                await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(createIfMissing: !readOnly, ct);
            }
            finally
            {
                // Never left running: the services are disposed when the command fails.
                await warming;
            }
        }
        catch
        {
            await context.DisposeAsync();
            throw;
        }

        return context;
    }

    /// <summary>
    /// A property of the events a command logs about a failure it also reports as its <c>mndfhir:</c> line: the console
    /// leaves them to the log file.
    /// </summary>
    public const string SaidOnStderr = "SaidOnStderr";

    /// <summary>
    /// Console (warnings, or everything with --verbose) on stderr, and a rolling JSON file. Ids and counts only.
    /// <paramref name="commandSaysFailures"/>: a command, which ends every failure with its one <c>mndfhir:</c> line, so
    /// the log events that say the same (why a sync stopped) go to the file only; the service's console keeps them.
    /// <paramref name="createFolder"/>: false for the commands that only read, which create nothing (no database, no
    /// folder): they write log files only where <c>Logging:Folder</c> exists (something there that cannot take them is refused,
    /// as for every command), else to the console alone.
    /// </summary>
    public static Serilog.ILogger CreateLogger(IConfiguration configuration, string baseDirectory, bool verbose, bool console = true, bool commandSaysFailures = true, bool createFolder = true)
    {
        var logFolder = Path.GetFullPath(configuration["Logging:Folder"] ?? "logs", baseDirectory);
        var logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Hangfire", LogEventLevel.Information)
            .Enrich.FromLogContext()
            .Enrich.With<MndFhir.Service.Pages.PatientPathRedaction>();
        if (createFolder || Path.Exists(logFolder))
        {
            EnsureWritable(logFolder);
            logger.WriteTo.File(new CompactJsonFormatter(), Path.Combine(logFolder, "mndfhir-.json"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 31);
        }

        if (console)
        {
            // No {Exception} in the console template: a stack trace never reaches the terminal (the JSON file keeps it).
            // The host's "Hosting failed to start" is said once, by the command's own one-line failure; so is a database
            // failure, whose EF Core events carry the SQL and the exception's text in their message, and a destination
            // that does not answer, whose every retry the resilience pipeline (Polly) logs.
            logger.WriteTo.Logger(console => console
                .Filter.ByExcluding(Serilog.Filters.Matching.FromSource("Microsoft.Extensions.Hosting.Internal.Host"))
                .Filter.ByExcluding(Serilog.Filters.Matching.FromSource("Microsoft.EntityFrameworkCore"))
                .Filter.ByExcluding(Serilog.Filters.Matching.FromSource("Polly"))
                .Filter.ByExcluding(e => commandSaysFailures && SaidByCommand(e))
                .WriteTo.Console(
                    restrictedToMinimumLevel: verbose ? LogEventLevel.Information : LogEventLevel.Warning,
                    outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}",
                    standardErrorFromLevel: LogEventLevel.Verbose,
                    formatProvider: System.Globalization.CultureInfo.InvariantCulture));
        }

        return logger.CreateLogger();
    }

    /// <summary>
    /// The log folder must take files: Serilog's file sink fails silently, and "the log file has the details" would be
    /// untrue (a folder that is a file, or not writable by this user, is a configuration error naming the key).
    /// </summary>
    private static void EnsureWritable(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"Logging:Folder: {folder} cannot take the log files ({ex.Message})", ex);
        }
    }

    /// <summary>Whether <paramref name="e"/> says a failure the command reports on its own line (<see cref="MndFhir.Sync.SyncLogEvents"/>).</summary>
    private static bool SaidByCommand(LogEvent e) =>
        e.Properties.ContainsKey(SaidOnStderr)
        || e.Properties.TryGetValue("EventId", out var id) && id is StructureValue eventId
            && eventId.Properties.Any(p => p.Name == "Name" && p.Value is ScalarValue { Value: string name } && name == MndFhir.Sync.SyncLogEvents.SyncStopped.Name);

    /// <summary>
    /// Writes an unexpected failure, with its stack trace, to the log file (never the terminal); best effort, since the
    /// configuration itself may be what failed.
    /// </summary>
    public static void LogUnexpected(FileInfo? configFile, Exception exception)
    {
        try
        {
            var (configuration, baseDirectory) = LoadConfiguration(configFile);
            using var logger = (Serilog.Core.Logger)CreateLogger(configuration, baseDirectory, verbose: false, console: false);
            logger.Fatal(exception, "The command stopped on an unexpected {ExceptionType}", exception.GetType().Name);
        }
        catch (Exception)
        {
            // Nowhere to log to: the one-line message on the terminal is all there is.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await FlushLearntShapesAsync(Services);
        await Services.DisposeAsync();
        (Logger as IDisposable)?.Dispose();
    }

    /// <summary>
    /// Writes the valid shapes a command learnt, which go to the database in the background, before its services are
    /// disposed: the container refuses to make a database context once its disposal has begun ("not remembered").
    /// </summary>
    public static async Task FlushLearntShapesAsync(IServiceProvider services)
    {
        if (services.GetService<MndFhir.Validation.FastPath.IValidShapeStore>() is MndFhir.Sync.Validation.DatabaseValidShapeStore shapes)
        {
            await shapes.FlushAsync();
        }
    }

    private static void WarmUp(IServiceProvider services, Action<IServiceProvider> warmUp)
    {
        try
        {
            warmUp(services);
        }
        catch (Exception)
        {
            // The command resolves the same services and reports what fails, where it always did.
        }
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
