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
    /// Resources per bundle (FhirRest: 100 unless set, at most 1000) or per committed part (NdjsonFolder: 2000 unless
    /// set, at most 50,000). Every NDJSON batch is a file per resource type plus a manifest rewrite, both fsynced: the
    /// samples' 16,119 resources made 165 part files at 100 per batch, 20 at 1000, 8 at 5000. Three batches are in
    /// memory at once (planned, waiting, written): a first sync of 1.14M resources peaked at 354 MB with 2000 and 414 MB
    /// with 5000, and was faster with 2000 (156 s against 198 s).
    /// </summary>
    public int BatchSize
    {
        get => _batchSize ?? DefaultBatchSize(Kind);
        set => _batchSize = value;
    }

    /// <summary>Time allowed for one HTTP request.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// FhirRest: let the batch size follow the server's answer time (<c>AdaptiveBatchSize</c>), never above BatchSize:
    /// a batch answered in more than a quarter of TimeoutSeconds shrinks the next ones, fast answers grow them back. Only
    /// attempts the server answered are timed (timeouts, lost connections, 5xx, 429 and retry waits are not). On unless
    /// set to false.
    /// </summary>
    public bool AdaptBatchSize { get; set; } = true;

    /// <summary>
    /// FhirRest: how many bundles of one tier may await the server's answer at once (1 to 8; 2 unless set). While the
    /// server works on one, the next is on its way and the answer to the previous one is recorded. Each bundle's
    /// confirmations are recorded as they come; a tier starts only when every bundle of the tiers before it is recorded.
    /// NdjsonFolder destinations write one part at a time whatever this says.
    /// </summary>
    [Range(1, 8)]
    public int MaxRequestsInFlight { get; set; } = 2;

    /// <summary>How many batches the sync sends at once: MaxRequestsInFlight for a FHIR server, one for files.</summary>
    public int SendsInFlight => Kind == DestinationKind.FhirRest ? MaxRequestsInFlight : 1;

    /// <summary>Attempts of one request when the destination fails transiently (5xx, 429, timeouts, lost connections).</summary>
    [Range(1, 20)]
    public int RetryAttempts { get; set; } = 6;

    /// <summary>
    /// The longest one request may take, its retries included, before the sync stops (what was confirmed stays recorded);
    /// a single attempt always has its <see cref="TimeoutSeconds"/>, so the bound is the longer of the two.
    /// </summary>
    [Range(1, 3600)]
    public int RetryMaxSeconds { get; set; } = 120;

    public AuthKind Auth { get; set; } = AuthKind.None;

    public string? UserName { get; set; }

    /// <summary>The name of the environment variable that holds the token or password (never the secret itself).</summary>
    public string? TokenVariable { get; set; }

    /// <summary>SMART Backend Services: the client id the server registered for this clinic (issuer and subject of the assertion).</summary>
    public string? ClientId { get; set; }

    /// <summary>SMART Backend Services: the scopes asked for, space-separated (e.g. <c>system/Patient.cu system/Observation.cu</c>).</summary>
    public string? Scopes { get; set; }

    /// <summary>SMART Backend Services: the token endpoint; when not set, read from <c>{BaseUrl}/.well-known/smart-configuration</c>.</summary>
    public Uri? TokenEndpoint { get; set; }

    /// <summary>SMART Backend Services: a PEM file (outside the repository, readable by this user only) holding the private key, RSA (2048 bits or more, RS384) or EC P-384 (ES384).</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>SMART Backend Services: instead of <see cref="PrivateKeyFile"/>, the environment variable holding the PEM private key.</summary>
    public string? PrivateKeyVariable { get; set; }

    /// <summary>SMART Backend Services: the key id (<c>kid</c>) of the key in the JWKS the server holds.</summary>
    public string? KeyId { get; set; }

    /// <summary>Mutual TLS: the client certificate, a PKCS#12 file (.pfx, .p12) or a PEM certificate (with its key inside or in <see cref="ClientCertificateKeyFile"/>).</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>Mutual TLS: the PEM private key of a PEM <see cref="ClientCertificateFile"/>.</summary>
    public string? ClientCertificateKeyFile { get; set; }

    /// <summary>Mutual TLS: the environment variable holding the password of a PKCS#12 <see cref="ClientCertificateFile"/>.</summary>
    public string? ClientCertificatePasswordVariable { get; set; }

    /// <summary>
    /// PEM file of the certificate authorities that issue the server's certificate, for a hospital's own PKI: they replace
    /// the system's trusted roots for this destination. The server's certificate is always validated (chain, name, dates).
    /// </summary>
    public string? ServerCaFile { get; set; }

    /// <summary>Whether requests to this destination carry a secret (a token, a password, or a token obtained with the key).</summary>
    public bool SendsCredentials => Auth != AuthKind.None;

    /// <summary>Every file this destination reads its credentials from, with the key naming it (for checks and relative paths).</summary>
    public IEnumerable<(string Key, string Path)> CredentialFiles()
    {
        foreach (var (key, path) in new[]
        {
            (nameof(PrivateKeyFile), PrivateKeyFile),
            (nameof(ClientCertificateFile), ClientCertificateFile),
            (nameof(ClientCertificateKeyFile), ClientCertificateKeyFile),
            (nameof(ServerCaFile), ServerCaFile),
        })
        {
            if (!string.IsNullOrWhiteSpace(path))
            {
                yield return (key, path);
            }
        }
    }

    /// <summary>Resolves the credential files' relative paths against the configuration file's folder.</summary>
    public void ResolvePaths(string baseDirectory)
    {
        PrivateKeyFile = Full(PrivateKeyFile);
        ClientCertificateFile = Full(ClientCertificateFile);
        ClientCertificateKeyFile = Full(ClientCertificateKeyFile);
        ServerCaFile = Full(ServerCaFile);
        string? Full(string? path) => string.IsNullOrWhiteSpace(path) ? path : Path.GetFullPath(path, baseDirectory);
    }

    public static int DefaultBatchSize(DestinationKind kind) => kind == DestinationKind.NdjsonFolder ? 2000 : 100;

    public static int MaxBatchSize(DestinationKind kind) => kind == DestinationKind.NdjsonFolder ? 50_000 : 1000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Kind == DestinationKind.FhirRest && (BaseUrl is null || !BaseUrl.IsAbsoluteUri))
        {
            yield return new ValidationResult("BaseUrl (an absolute FHIR base URL) is required for FhirRest.", [nameof(BaseUrl)]);
        }

        // Only the scheme is named: a URL may carry a user name and password.
        if (Kind == DestinationKind.FhirRest && BaseUrl is { IsAbsoluteUri: true } fhirBase && !IsHttp(fhirBase))
        {
            yield return new ValidationResult($"'{fhirBase.Scheme}' is not http or https: BaseUrl is the FHIR server's base URL (e.g. https://fhir.example.org/fhir/R4/).", [nameof(BaseUrl)]);
        }

        if (TokenEndpoint is { IsAbsoluteUri: true } endpoint && !IsHttp(endpoint))
        {
            yield return new ValidationResult($"'{endpoint.Scheme}' is not http or https: TokenEndpoint is the URL of the server's OAuth2 token endpoint.", [nameof(TokenEndpoint)]);
        }

        if (Kind == DestinationKind.NdjsonFolder && string.IsNullOrWhiteSpace(Folder))
        {
            yield return new ValidationResult("Folder is required for NdjsonFolder.", [nameof(Folder)]);
        }

        if (BatchSize < 1 || BatchSize > MaxBatchSize(Kind))
        {
            yield return new ValidationResult($"BatchSize must be between 1 and {MaxBatchSize(Kind)} for {Kind} (it is {BatchSize}).", [nameof(BatchSize)]);
        }

        if (Auth is AuthKind.Bearer or AuthKind.Basic && string.IsNullOrWhiteSpace(TokenVariable))
        {
            yield return new ValidationResult($"TokenVariable (the environment variable holding the secret) is required for {Auth} auth.", [nameof(TokenVariable)]);
        }

        if (Auth == AuthKind.Basic && string.IsNullOrWhiteSpace(UserName))
        {
            yield return new ValidationResult("UserName is required for Basic auth.", [nameof(UserName)]);
        }

        if (Auth == AuthKind.SmartBackendServices)
        {
            foreach (var (value, key) in new[] { (ClientId, nameof(ClientId)), (Scopes, nameof(Scopes)), (KeyId, nameof(KeyId)) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    yield return new ValidationResult($"{key} is required for SmartBackendServices auth of '{Name}'.", [key]);
                }
            }

            if (string.IsNullOrWhiteSpace(PrivateKeyFile) == string.IsNullOrWhiteSpace(PrivateKeyVariable))
            {
                yield return new ValidationResult($"SmartBackendServices auth of '{Name}' needs its private key from exactly one of PrivateKeyFile or PrivateKeyVariable.", [nameof(PrivateKeyFile)]);
            }
        }

        // A secret crosses the network only encrypted: plain http is for a server on this machine.
        if (SendsCredentials && Kind == DestinationKind.FhirRest && BaseUrl is { IsAbsoluteUri: true } url && IsPlainHttpBeyondLoopback(url))
        {
            yield return new ValidationResult(
                $"'{Name}' would send its {Auth} credentials over plain http to {url.Authority}: use https (plain http only to a loopback address).", [nameof(BaseUrl)]);
        }

        if (TokenEndpoint is { IsAbsoluteUri: true } token && IsPlainHttpBeyondLoopback(token))
        {
            yield return new ValidationResult($"'{Name}' would send its client assertion over plain http to {token.Authority}: use https (plain http only to a loopback address).", [nameof(TokenEndpoint)]);
        }

        if (!string.IsNullOrWhiteSpace(ClientCertificateKeyFile) && string.IsNullOrWhiteSpace(ClientCertificateFile))
        {
            yield return new ValidationResult($"ClientCertificateKeyFile of '{Name}' needs ClientCertificateFile (the certificate it belongs to).", [nameof(ClientCertificateKeyFile)]);
        }

        foreach (var result in ValidateRegistry())
        {
            yield return result;
        }
    }

    private static bool IsHttp(Uri url) =>
        string.Equals(url.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase) || string.Equals(url.Scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase);

    /// <summary>http (not https) to anything but a loopback address: no secret may travel there.</summary>
    public static bool IsPlainHttpBeyondLoopback(Uri url) => url.IsAbsoluteUri && !string.Equals(url.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase) && !url.IsLoopback;
}
