using System.Text.Json.Nodes;

namespace MndFhir.Cli.Tests;

/// <summary>
/// `mndfhir serve` without an API key never listens beyond loopback, however the address was given (issue 10: the
/// guard used to check --urls only, and MNDFHIR__Kestrel__Endpoints__Http__Url=http://0.0.0.0:5093 listened on every
/// interface). Each refusal is one line and exit code 2, before any address is bound.
/// </summary>
public sealed class ServeRefusalTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-serve-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _keyVariable = "MNDFHIR_TEST_API_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    public ServeRefusalTests()
    {
        Directory.CreateDirectory(_folder);
    }

    [Theory]
    [InlineData("MNDFHIR__Kestrel__Endpoints__Http__Url", "http://0.0.0.0:0", "0.0.0.0:0")]
    [InlineData("ASPNETCORE_URLS", "http://0.0.0.0:0", "0.0.0.0:0")]
    [InlineData("MNDFHIR__Service__Urls", "http://[::]:0", "[::]:0")]
    [InlineData("MNDFHIR__Urls", "http://*:0", null)] // [::]:0, or 0.0.0.0:0 on a machine without IPv6
    public async Task An_address_beyond_loopback_from_the_environment_is_refused_without_a_key(string variable, string url, string? shown)
    {
        WriteConfig(null);

        var (exit, output, error) = await CliProcess.RunAsync(_folder, new Dictionary<string, string?> { [variable] = url, ["ASPNETCORE_ENVIRONMENT"] = null }, "serve", "--config", "mndfhir.json");

        AssertRefused(exit, output, error, shown is null ? "mndfhir: Listening on " : $"mndfhir: Listening on {shown} (beyond loopback) needs an API key: set the environment variable {_keyVariable}");
        Assert.Contains($"(beyond loopback) needs an API key: set the environment variable {_keyVariable}", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MNDFHIR__Service__Urls", "not a url", "mndfhir: the configuration has a problem: Service:Urls: 'not a url' is not a URL to listen on")]
    [InlineData("MNDFHIR__Service__Urls", "http://127.0.0.1:0;ftp://127.0.0.1:0", "mndfhir: the configuration has a problem: Service:Urls: 'ftp://127.0.0.1:0': the service speaks http:// or https:// only")]
    [InlineData("MNDFHIR__Service__Urls", "http://127.0.0.1:0/mndfhir", "mndfhir: the configuration has a problem: Service:Urls: 'http://127.0.0.1:0/mndfhir': a path is not allowed")]
    [InlineData("MNDFHIR__Service__Urls", "http://127.0.0.1:70000", "mndfhir: the configuration has a problem: Service:Urls: 'http://127.0.0.1:70000': the port must be between 0 and 65535")]
    [InlineData("MNDFHIR__Urls", "not a url", "mndfhir: Urls: 'not a url' is not a URL to listen on")]
    [InlineData("ASPNETCORE_URLS", "not a url", "mndfhir: Urls: 'not a url' is not a URL to listen on")]
    [InlineData("MNDFHIR__Kestrel__Endpoints__Http__Url", "not a url", "mndfhir: Kestrel:Endpoints:Http:Url: 'not a url' is not a URL to listen on")]
    public async Task An_address_that_is_no_url_to_listen_on_is_a_configuration_error_naming_its_key(string variable, string url, string line)
    {
        // Before: "Unexpected error (FormatException): Invalid url" (exit 10), after the database was migrated.
        WriteConfig(null);

        var (exit, output, error) = await CliProcess.RunAsync(_folder, new Dictionary<string, string?> { [variable] = url, ["ASPNETCORE_ENVIRONMENT"] = null }, "serve", "--config", "mndfhir.json");

        AssertRefused(exit, output, error, line);
        Assert.False(File.Exists(Path.Combine(_folder, "mndfhir.db")), "nothing may run, not even the database migration");
    }

    [Fact]
    public async Task A_urls_option_that_is_no_url_is_a_usage_error_naming_the_option()
    {
        WriteConfig(null);

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "serve", "--urls", "127.0.0.1:5080", "--config", "mndfhir.json");

        AssertRefused(exit, output, error, "mndfhir: --urls: '127.0.0.1:5080' is not a URL to listen on");
    }

    [Fact]
    public async Task An_https_address_without_a_certificate_is_a_configuration_error()
    {
        // A home of its own: no developer certificate there. Before: "Unexpected error (InvalidOperationException)" (exit 10).
        WriteConfig(null);

        var (exit, output, error) = await CliProcess.RunAsync(_folder, new Dictionary<string, string?> { ["HOME"] = _folder }, "serve", "--urls", "https://127.0.0.1:0", "--config", "mndfhir.json");

        AssertRefused(exit, output, error, "mndfhir: Listening on https needs a server certificate: configure Kestrel:Certificates:Default");
    }

    [Theory]
    [InlineData("MNDFHIR__Service__Urls", "https://127.0.0.1:0")]
    [InlineData("MNDFHIR__Kestrel__Endpoints__Secure__Url", "https://127.0.0.1:0")]
    public async Task An_https_address_without_a_certificate_is_refused_from_the_configuration_before_anything_starts(string variable, string url)
    {
        // Before: Kestrel's own exception text was matched when it bound the address, after the database was migrated.
        WriteConfig(null);

        var (exit, output, error) = await CliProcess.RunAsync(_folder, new Dictionary<string, string?> { ["HOME"] = _folder, [variable] = url, ["ASPNETCORE_ENVIRONMENT"] = null }, "serve", "--config", "mndfhir.json");

        AssertRefused(exit, output, error, "mndfhir: Listening on https needs a server certificate: configure Kestrel:Certificates:Default");
        Assert.False(File.Exists(Path.Combine(_folder, "mndfhir.db")), "nothing may run, not even the database migration");
    }

    [Theory]
    [InlineData("no-file", "mndfhir: Kestrel:Certificates:Default:Path: ")]
    [InlineData("not-a-certificate", "mndfhir: Kestrel:Certificates:Default:Path: ")]
    [InlineData("wrong-password", "mndfhir: Kestrel:Certificates:Default:Path: ")]
    [InlineData("subject-not-in-store", "mndfhir: Kestrel:Certificates:Default:Subject: no valid certificate for 'CN=nobody.invalid'")]
    [InlineData("endpoint-no-file", "mndfhir: Kestrel:Endpoints:Secure:Certificate:Path: ")]
    public async Task A_configured_certificate_Kestrel_cannot_load_is_one_line_naming_its_key_before_anything_starts(string fault, string line)
    {
        // Before: Kestrel's exception when it bound: "Unexpected error (CryptographicException): ASN1 corrupted data" or
        // "(InvalidOperationException): The requested certificate ... could not be found" (exit 10), or "Could not find
        // file" without the key (exit 2), after the database was migrated.
        var pfx = Path.Combine(_folder, "server.pfx");
        using (var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            Directory.CreateDirectory(_folder);
            await File.WriteAllBytesAsync(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "the-right-one"));
        }

        var environment = new Dictionary<string, string?> { ["HOME"] = _folder, ["ASPNETCORE_ENVIRONMENT"] = null, ["MNDFHIR__Kestrel__Certificates__Default__Password"] = "a-wrong-one" };
        var certificateSection = fault switch
        {
            "no-file" or "endpoint-no-file" => new JsonObject { ["Path"] = Path.Combine(_folder, "none.pfx") },
            "not-a-certificate" => new JsonObject { ["Path"] = Path.Combine(RepositoryPaths.Root, "README.md") },
            "wrong-password" => new JsonObject { ["Path"] = pfx },
            _ => new JsonObject { ["Subject"] = "CN=nobody.invalid", ["Store"] = "My" },
        };
        WriteConfig(fault == "endpoint-no-file"
            ? new JsonObject { ["Endpoints"] = new JsonObject { ["Secure"] = new JsonObject { ["Url"] = "https://127.0.0.1:0", ["Certificate"] = certificateSection } } }
            : new JsonObject { ["Certificates"] = new JsonObject { ["Default"] = certificateSection } });

        var (exit, output, error) = await CliProcess.RunAsync(_folder, environment, "serve", "--urls", "https://127.0.0.1:0", "--config", "mndfhir.json");

        AssertRefused(exit, output, error, line);
        Assert.DoesNotContain("a-wrong-one", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "mndfhir.db")), "nothing may run, not even the database migration");
    }

    [Fact]
    public async Task Hangfire_sqlite_storage_on_the_application_database_file_is_refused_before_anything_is_written()
    {
        // Before: Hangfire wrote its tables into the new file when the host was built, and the migration then refused the
        // file as another application's, which it had become ("name a file of its own"); on an existing MndFhir database
        // Hangfire added its tables to it.
        WriteConfig(null);
        var environment = new Dictionary<string, string?> { ["HOME"] = _folder, ["MNDFHIR__Hangfire__Storage"] = "Sqlite", ["MNDFHIR__Hangfire__ConnectionString"] = "mndfhir.db" };

        var (exit, output, error) = await CliProcess.RunAsync(_folder, environment, "serve", "--urls", "http://127.0.0.1:0", "--config", "mndfhir.json");

        AssertRefused(exit, output, error, $"mndfhir: the configuration has a problem: Hangfire:ConnectionString: {Path.Combine(_folder, "mndfhir.db")} is also the application database (Database:ConnectionString)");
        Assert.False(File.Exists(Path.Combine(_folder, "mndfhir.db")), "nothing may be written before the refusal");
    }

    [Fact]
    public async Task A_hangfire_connection_string_that_cannot_be_read_is_a_configuration_error_that_never_shows_the_password()
    {
        WriteConfig(null);

        var (exit, output, error) = await CliProcess.RunAsync(
            _folder,
            new Dictionary<string, string?> { ["MNDFHIR__Hangfire__Storage"] = "PostgreSql", ["MNDFHIR__Hangfire__ConnectionString"] = "Host=127.0.0.1;Password=hangfire-pw-1;Bogus=1" },
            "serve",
            "--config",
            "mndfhir.json");

        AssertRefused(exit, output, error, "mndfhir: the configuration has a problem: Hangfire:ConnectionString:");
        Assert.DoesNotContain("hangfire-pw-1", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kestrel_section_in_the_configuration_file_is_refused_without_a_key()
    {
        WriteConfig(new JsonObject { ["Endpoints"] = new JsonObject { ["Http"] = new JsonObject { ["Url"] = "http://0.0.0.0:0" } } });

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "serve", "--config", "mndfhir.json");

        AssertRefused(exit, output, error, "mndfhir: Listening on 0.0.0.0:0 (beyond loopback) needs an API key");
    }

    [Fact]
    public async Task A_short_api_key_is_refused()
    {
        WriteConfig(null);

        var (exit, output, error) = await CliProcess.RunAsync(_folder, new Dictionary<string, string?> { [_keyVariable] = "too-short-to-guard-anything" }, "serve", "--config", "mndfhir.json");

        AssertRefused(exit, output, error, $"mndfhir: The API key in {_keyVariable} is 27 bytes long; it needs at least 32");
    }

    [Fact]
    public async Task A_port_already_in_use_is_a_local_fault_that_says_the_service_could_not_listen()
    {
        WriteConfig(null);
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)taken.LocalEndpoint).Port}";

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "serve", "--urls", url, "--config", "mndfhir.json");

        // Before: "A file could not be read or written: Failed to bind to address ...".
        Assert.True(exit == 5, $"exit {exit}\n{output}\n{error}");
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.Contains("mndfhir: The service could not listen: Failed to bind to address " + url, error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void AssertRefused(int exit, string output, string error, string line)
    {
        Assert.True(exit == 2, $"exit {exit}\n{output}\n{error}");
        Assert.DoesNotContain("listening on", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var failure = Assert.Single(lines, l => l.StartsWith("mndfhir:", StringComparison.Ordinal));
        Assert.StartsWith(line, failure, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("ERR]", StringComparison.Ordinal));
    }

    private void WriteConfig(JsonObject? kestrel)
    {
        var config = new JsonObject
        {
            ["Clinic"] = new JsonObject { ["MappingsPath"] = RepositoryPaths.Mappings },
            ["Database"] = new JsonObject { ["Provider"] = "Sqlite", ["ConnectionString"] = "Data Source=" + Path.Combine(_folder, "mndfhir.db") },
            ["Logging"] = new JsonObject { ["Folder"] = Path.Combine(_folder, "logs") },
            ["Service"] = new JsonObject { ["ApiKeyVariable"] = _keyVariable },
            ["Destinations"] = new JsonArray(new JsonObject { ["Name"] = "files", ["Kind"] = "NdjsonFolder", ["Folder"] = Path.Combine(_folder, "out") }),
        };
        if (kestrel is not null)
        {
            config["Kestrel"] = kestrel;
        }

        File.WriteAllText(Path.Combine(_folder, "mndfhir.json"), config.ToJsonString());
    }
}
