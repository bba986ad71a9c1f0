using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Cronos;
using Microsoft.Extensions.Configuration;

namespace MndFhir.Sync.Configuration;

/// <summary>
/// Checks the configuration before anything runs, in the CLI and the service alike, and names the key of every
/// problem with what is allowed: an unknown key (a typo), a value of the wrong type or not among an enum's names
/// (<c>Destinations:0:Kind: 'FhirRst' is not one of FhirRest, NdjsonFolder</c>), a bad cron or time zone, two
/// destinations with one name, a secret variable that is not set, a pseudonym key that is missing or shorter than 32 bytes, an input folder that does not exist (mappings,
/// export; output folders are made when needed), and every rule of the
/// options classes. The binder alone would skip a destination whose Kind it cannot read, and silently.
/// </summary>
public static class ConfigurationCheck
{
    /// <summary>The options class of each top-level section of the sync; keys outside them are reported as unknown.</summary>
    private static readonly Dictionary<string, Type> SyncSections = new(StringComparer.OrdinalIgnoreCase)
    {
        [ClinicOptions.Section] = typeof(ClinicOptions),
        ["Database"] = typeof(Data.DatabaseOptions),
    };

    /// <summary>
    /// Throws <see cref="ConfigurationException"/> listing every problem, one per line, key first.
    /// <paramref name="otherSections"/> are the sections other parts own (the service's Hangfire and Service), checked the same way.
    /// </summary>
    public static void Ensure(IConfiguration configuration, string baseDirectory, IReadOnlyDictionary<string, Type> otherSections)
    {
        var problems = Problems(configuration, baseDirectory, otherSections);
        if (problems.Count > 0)
        {
            throw new ConfigurationException(
                (problems.Count == 1 ? "the configuration has a problem: " : $"the configuration has {problems.Count} problems:\n  ") + string.Join("\n  ", problems));
        }
    }

    public static List<string> Problems(IConfiguration configuration, string baseDirectory, IReadOnlyDictionary<string, Type> otherSections)
    {
        var sections = new Dictionary<string, Type>(SyncSections, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, type) in otherSections)
        {
            sections[name] = type;
        }

        var problems = new List<string>();
        foreach (var section in configuration.GetChildren())
        {
            if (sections.TryGetValue(section.Key, out var type))
            {
                // Each section's own rules ([Range], IValidatableObject), as for destinations; Clinic's are checked below,
                // with its defaults, also when the section is absent.
                if (CheckObject(section, type, problems) && type != typeof(ClinicOptions) && Bind(section, type) is { } bound)
                {
                    foreach (var r in Annotations(bound))
                    {
                        problems.Add($"{string.Join(",", r.MemberNames.Select(m => $"{section.Path}:{m}").DefaultIfEmpty(section.Path))}: {r.ErrorMessage}");
                    }
                }
            }
            else if (!string.Equals(section.Key, SyncSettings.Section, StringComparison.OrdinalIgnoreCase) && !IsHostKey(section.Key))
            {
                problems.Add($"{section.Path}: unknown section (known: {string.Join(", ", sections.Keys.Append(SyncSettings.Section).Order(StringComparer.Ordinal))})");
            }
        }

        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var d in configuration.GetSection(SyncSettings.Section).GetChildren())
        {
            if (d.Value is not null)
            {
                // "Destinations": ["hospital"] or { "a": 1 }: a destination is an object.
                problems.Add($"{d.Path}: a destination is an object with Name, Kind and its settings, not one value");
                continue;
            }

            if (!CheckObject(d, typeof(DestinationOptions), problems))
            {
                continue;
            }

            var destination = d.Get<DestinationOptions>()!;
            if (names.TryGetValue(destination.Name, out var first))
            {
                problems.Add($"{d.Path}:Name: '{destination.Name}' is already the name of {first}; destination names must be unique");
            }
            else
            {
                names[destination.Name] = d.Path;
            }

            foreach (var r in Annotations(destination))
            {
                problems.Add($"{d.Path}:{string.Join(",", r.MemberNames.DefaultIfEmpty("Name"))}: {r.ErrorMessage}");
            }

            CheckSchedule(d, destination, problems);
            if (destination.Auth is AuthKind.Bearer or AuthKind.Basic && !string.IsNullOrWhiteSpace(destination.TokenVariable) && SecretVariables.Read(destination.TokenVariable) is null)
            {
                problems.Add($"{d.Path}:TokenVariable: the environment variable {destination.TokenVariable} is not set (it holds the {destination.Auth} secret of '{destination.Name}')");
            }

            destination.ResolvePaths(baseDirectory);
            CredentialCheck.Check(d.Path, destination, problems);
            destination.PseudonymKeyFile = destination.PseudonymKeyFile is { Length: > 0 } keyFile ? Path.GetFullPath(keyFile, baseDirectory) : null;
            if (destination.Pseudonymise && destination.PseudonymKeyFile is { } pseudonymKeyFile)
            {
                CredentialCheck.CheckSecretFile(d.Path, nameof(DestinationOptions.PseudonymKeyFile), pseudonymKeyFile, problems);
            }

            if (Pseudonymisation.DestinationIdentities.KeyProblem(destination) is { } keyProblem)
            {
                problems.Add($"{d.Path}:{keyProblem}");
            }
        }

        var clinic = Bind<ClinicOptions>(configuration.GetSection(ClinicOptions.Section)) ?? new ClinicOptions();
        var mappings = Path.GetFullPath(clinic.MappingsPath, baseDirectory);
        if (!File.Exists(Path.Combine(mappings, "settings.yaml")))
        {
            problems.Add($"Clinic:MappingsPath: {mappings} is not a mappings folder (no settings.yaml there)");
        }

        if (clinic.ExportPath is { Length: > 0 } export && !Directory.Exists(Path.GetFullPath(export, baseDirectory)))
        {
            problems.Add($"Clinic:ExportPath: the folder {Path.GetFullPath(export, baseDirectory)} does not exist");
        }

        foreach (var r in Annotations(clinic))
        {
            problems.Add($"Clinic:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}");
        }

        if (CronProblem(clinic.ImportSchedule) is { } importSchedule)
        {
            problems.Add($"Clinic:ImportSchedule: {importSchedule}");
        }

        var database = Bind<Data.DatabaseOptions>(configuration.GetSection("Database")) ?? new Data.DatabaseOptions();
        if (Data.ConnectionStrings.Problem(database.Provider, database.ConnectionString) is { } connectionString)
        {
            problems.Add($"Database:ConnectionString: {connectionString}");
        }

        if (database.Provider == Data.DatabaseProvider.SqlServer && InvariantGlobalization())
        {
            problems.Add(
                "Database:Provider: SqlServer needs .NET's culture data (Microsoft's SQL Server client does not run in the invariant globalization mode MndFhir starts in): " +
                "set the environment variable DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=false (the machine needs ICU, e.g. Debian's libicu) or use PostgreSql");
        }

        return problems;
    }

    /// <summary>Keys of the host and of .NET itself that may come from the environment (MNDFHIR__Logging__..., urls).</summary>
    private static bool IsHostKey(string key) => key is "Logging" or "Serilog" or "urls" or "Urls" or "Kestrel" or "AllowedHosts";

    /// <summary>Every key of <paramref name="section"/> is a property of <paramref name="type"/>, with a value of its type.</summary>
    private static bool CheckObject(IConfigurationSection section, Type type, List<string> problems)
    {
        var before = problems.Count;
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                problems.Add($"{child.Path}: unknown key (known: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))})");
                continue;
            }

            var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (child.Value is not { } text)
            {
                // A list or an object where one value belongs: binding would fail later with a .NET exception (exit 10),
                // or, for an enum, fall back to its default without a word.
                if (IsSingleValue(target) && child.GetChildren().Any())
                {
                    problems.Add($"{child.Path}: one value is expected here, not a list or an object");
                }

                continue;
            }

            if (target.IsEnum && !Enum.TryParse(target, text, ignoreCase: true, out _) || target.IsEnum && int.TryParse(text, out _))
            {
                problems.Add($"{child.Path}: '{text}' is not one of {string.Join(", ", Enum.GetNames(target))}");
            }
            else if (target == typeof(int) && !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            {
                problems.Add($"{child.Path}: '{text}' is not a whole number");
            }
            else if (target == typeof(bool) && !bool.TryParse(text, out _))
            {
                problems.Add($"{child.Path}: '{text}' is not true or false");
            }
            else if (target == typeof(Uri) && !Uri.TryCreate(text, UriKind.Absolute, out _))
            {
                problems.Add($"{child.Path}: '{text}' is not an absolute URL");
            }
        }

        return problems.Count == before;
    }

    /// <summary>The section bound, or null when a value has a shape binding cannot take (<see cref="CheckObject"/> reports it).</summary>
    private static T? Bind<T>(IConfigurationSection section)
        where T : class
    {
        try
        {
            return section.Get<T>();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static object? Bind(IConfigurationSection section, Type type)
    {
        try
        {
            return section.Get(type);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static bool IsSingleValue(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Uri) || type == typeof(TimeSpan);

    /// <summary>Why <paramref name="cron"/> is not a cron expression Hangfire can schedule; null when it is one, or empty.</summary>
    private static string? CronProblem(string? cron)
    {
        if (cron is not { Length: > 0 })
        {
            return null;
        }

        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            CronExpression.Parse(cron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            return null;
        }
        catch (CronFormatException ex)
        {
            return $"'{cron}' is not a cron expression (minute hour day-of-month month day-of-week, e.g. '0 2 * * *'): {ex.Message}";
        }
    }

    /// <summary>Whether the process runs in .NET's invariant globalization mode (no culture data).</summary>
    private static bool InvariantGlobalization()
    {
        try
        {
            _ = System.Globalization.CultureInfo.GetCultureInfo("en-US");
            return false;
        }
        catch (System.Globalization.CultureNotFoundException)
        {
            return true;
        }
    }

    private static void CheckSchedule(IConfigurationSection d, DestinationOptions destination, List<string> problems)
    {
        if (CronProblem(destination.Schedule) is { } schedule)
        {
            problems.Add($"{d.Path}:Schedule: {schedule}");
        }

        if (destination.TimeZone is { Length: > 0 } zone)
        {
            try
            {
                TimeZoneInfo.FindSystemTimeZoneById(zone);
            }
            catch (TimeZoneNotFoundException)
            {
                problems.Add($"{d.Path}:TimeZone: '{zone}' is not a time zone of this machine (an IANA id such as 'Europe/Berlin', or a Windows id)");
            }
        }
    }

    private static List<ValidationResult> Annotations(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
