using System.ComponentModel.DataAnnotations;

namespace MndFhir.Sync.Configuration;

/// <summary>One entry of the section <c>Destinations</c>: where to deliver, when, and how to authenticate.</summary>
public sealed partial class DestinationOptions : IValidatableObject
{
    private int? _batchSize;

    /// <summary>Short stable name (the ledger is kept per name): letters, digits, '-' and '_'.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,100}$")]
    public string Name { get; set; } = string.Empty;

    public DestinationKind Kind { get; set; } = DestinationKind.FhirRest;

    /// <summary>FHIR base URL, for <see cref="DestinationKind.FhirRest"/>.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>Output folder, for <see cref="DestinationKind.NdjsonFolder"/>.</summary>
    public string? Folder { get; set; }

    /// <summary>Hangfire cron expression (UTC unless <see cref="TimeZone"/> is set); empty = manual syncs only.</summary>
    public string? Schedule { get; set; }

    /// <summary>IANA or Windows time zone id the schedule is read in.</summary>
    public string? TimeZone { get; set; }

    /// <summary>Registries: only patients with registry_consent = yes, and their records, are sent.</summary>
    public bool RequiresRegistryConsent { get; set; }

    /// <summary>The identifier system of the hospital MRN at this destination; without it the MRN is not sent.</summary>
    public string? HospitalMrnSystem { get; set; }

    /// <summary>Transaction or batch bundles; Auto reads the server's CapabilityStatement.</summary>
    public BundleMode BundleMode { get; set; } = BundleMode.Auto;

    /// <summary>
    /// Resources per bundle (FhirRest: 100 unless set, at most 1000) or per committed part (NdjsonFolder: 5000 unless
    /// set, at most 50,000). Every NDJSON batch is a file per resource type plus a manifest rewrite, both fsynced: the
    /// samples' 16,119 resources made 165 part files at 100 per batch, 20 at 1000, 8 at 5000.
    /// </summary>
    public int BatchSize
    {
        get => _batchSize ?? DefaultBatchSize(Kind);
        set => _batchSize = value;
    }

    /// <summary>Time allowed for one HTTP request.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>Attempts of one request when the destination fails transiently (5xx, 429, timeouts, lost connections).</summary>
    [Range(1, 20)]
    public int RetryAttempts { get; set; } = 6;

    /// <summary>The longest one request may keep retrying before the sync stops (what was confirmed stays recorded).</summary>
    [Range(1, 3600)]
    public int RetryMaxSeconds { get; set; } = 120;

    public AuthKind Auth { get; set; } = AuthKind.None;

    public string? UserName { get; set; }

    /// <summary>The name of the environment variable that holds the token or password (never the secret itself).</summary>
    public string? TokenVariable { get; set; }

    public static int DefaultBatchSize(DestinationKind kind) => kind == DestinationKind.NdjsonFolder ? 5000 : 100;

    public static int MaxBatchSize(DestinationKind kind) => kind == DestinationKind.NdjsonFolder ? 50_000 : 1000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Kind == DestinationKind.FhirRest && (BaseUrl is null || !BaseUrl.IsAbsoluteUri))
        {
            yield return new ValidationResult("BaseUrl (an absolute FHIR base URL) is required for FhirRest.", [nameof(BaseUrl)]);
        }

        if (Kind == DestinationKind.NdjsonFolder && string.IsNullOrWhiteSpace(Folder))
        {
            yield return new ValidationResult("Folder is required for NdjsonFolder.", [nameof(Folder)]);
        }

        if (BatchSize < 1 || BatchSize > MaxBatchSize(Kind))
        {
            yield return new ValidationResult($"BatchSize must be between 1 and {MaxBatchSize(Kind)} for {Kind} (it is {BatchSize}).", [nameof(BatchSize)]);
        }

        if (Auth != AuthKind.None && string.IsNullOrWhiteSpace(TokenVariable))
        {
            yield return new ValidationResult($"TokenVariable (the environment variable holding the secret) is required for {Auth} auth.", [nameof(TokenVariable)]);
        }

        if (Auth == AuthKind.Basic && string.IsNullOrWhiteSpace(UserName))
        {
            yield return new ValidationResult("UserName is required for Basic auth.", [nameof(UserName)]);
        }

        foreach (var result in ValidateRegistry())
        {
            yield return result;
        }
    }
}
