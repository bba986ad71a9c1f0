using System.Text.Json.Nodes;

namespace MndFhir.Cli.Tests;

/// <summary>What `mndfhir serve` says and leaves behind when it starts and stops normally.</summary>
public sealed class ServeStartTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-serve-start-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task Serve_starts_without_a_data_protection_warning_and_writes_no_key_file()
    {
        // Before: "[WRN] No XML encryptor configured. Key {...} may be persisted to storage in unencrypted form.", and that
        // key written to ~/.aspnet/DataProtection-Keys, although the anti-forgery keys were meant to live in memory only.
        var home = Path.Combine(_folder, "home");
        Directory.CreateDirectory(home);
        var config = new JsonObject
        {
            ["Clinic"] = new JsonObject { ["MappingsPath"] = RepositoryPaths.Mappings },
            ["Database"] = new JsonObject { ["Provider"] = "Sqlite", ["ConnectionString"] = "Data Source=" + Path.Combine(_folder, "mndfhir.db") },
            ["Logging"] = new JsonObject { ["Folder"] = Path.Combine(_folder, "logs") },
            ["Destinations"] = new JsonArray(new JsonObject { ["Name"] = "files", ["Kind"] = "NdjsonFolder", ["Folder"] = Path.Combine(_folder, "out") }),
        };
        await File.WriteAllTextAsync(Path.Combine(_folder, "mndfhir.json"), config.ToJsonString());

        var environment = new Dictionary<string, string?> { ["HOME"] = home, ["LOCALAPPDATA"] = home, ["ASPNETCORE_ENVIRONMENT"] = null };
        using var serve = CliProcess.Start(_folder, environment, "serve", "--urls", "http://127.0.0.1:0", "--config", "mndfhir.json");
        var said = new List<string>();
        using (var started = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            while (await serve.StandardOutput.ReadLineAsync(started.Token) is { } line)
            {
                said.Add(line);
                if (line.Contains("listening on", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }

        using (var stop = System.Diagnostics.Process.Start("kill", ["-INT", serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await stop.WaitForExitAsync();
        }

        var (_, output, error) = await CliProcess.WaitAsync(serve);
        var all = string.Join('\n', said) + output + error;
        Assert.Contains("listening on", all, StringComparison.Ordinal);
        Assert.DoesNotContain("XML encryptor", all, StringComparison.Ordinal);
        Assert.DoesNotContain("DataProtection", all, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(home, ".aspnet")), "a data protection key was written under the user's profile");
        Assert.Empty(Directory.GetFiles(_folder, "key-*.xml", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("Kestrel:Certificates:Default Path and KeyPath (PEM)")]
    [InlineData("Kestrel:Certificates:Default Path and Password (PKCS#12)")]
    [InlineData("Kestrel:Endpoints:NAME:Certificate Path and Password")]
    [InlineData("Kestrel:Endpoints:NAME:Sni:HOST:Certificate")]
    [InlineData("ASPNETCORE_Kestrel__Certificates__Default__Path and __Password")]
    public async Task Serve_listens_on_https_with_a_certificate_configured_any_way_Kestrel_reads_one(string way)
    {
        // The check of the configuration before Kestrel starts lets every configured certificate through, as Kestrel's
        // documentation lists them (learn.microsoft.com/aspnet/core/fundamentals/servers/kestrel/endpoints: Certificates:Default,
        // an endpoint's Certificate, its Sni certificates; PEM with KeyPath or PKCS#12 with Password; any configuration
        // source). The password comes from the environment, never the file.
        var home = Path.Combine(_folder, "home");
        Directory.CreateDirectory(home);
        var pem = Path.Combine(_folder, "server.pem");
        var keyPem = Path.Combine(_folder, "server.key");
        var pfx = Path.Combine(_folder, "server.pfx");
        const string password = "test-only-password";
        using (var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPem, key.ExportPkcs8PrivateKeyPem());
            await File.WriteAllBytesAsync(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, password));
        }

        var config = new JsonObject
        {
            ["Clinic"] = new JsonObject { ["MappingsPath"] = RepositoryPaths.Mappings },
            ["Database"] = new JsonObject { ["Provider"] = "Sqlite", ["ConnectionString"] = "Data Source=" + Path.Combine(_folder, "mndfhir.db") },
            ["Logging"] = new JsonObject { ["Folder"] = Path.Combine(_folder, "logs") },
            ["Destinations"] = new JsonArray(new JsonObject { ["Name"] = "files", ["Kind"] = "NdjsonFolder", ["Folder"] = Path.Combine(_folder, "out") }),
        };
        var environment = new Dictionary<string, string?> { ["HOME"] = home, ["ASPNETCORE_ENVIRONMENT"] = null };
        var endpoint = new JsonObject { ["Url"] = "https://127.0.0.1:0" };
        switch (way)
        {
            case "Kestrel:Certificates:Default Path and KeyPath (PEM)":
                config["Kestrel"] = new JsonObject { ["Certificates"] = new JsonObject { ["Default"] = new JsonObject { ["Path"] = pem, ["KeyPath"] = keyPem } } };
                break;
            case "Kestrel:Certificates:Default Path and Password (PKCS#12)":
                config["Kestrel"] = new JsonObject { ["Certificates"] = new JsonObject { ["Default"] = new JsonObject { ["Path"] = pfx } } };
                environment["MNDFHIR__Kestrel__Certificates__Default__Password"] = password;
                break;
            case "Kestrel:Endpoints:NAME:Certificate Path and Password":
                endpoint["Certificate"] = new JsonObject { ["Path"] = pfx };
                config["Kestrel"] = new JsonObject { ["Endpoints"] = new JsonObject { ["Secure"] = endpoint } };
                environment["MNDFHIR__Kestrel__Endpoints__Secure__Certificate__Password"] = password;
                break;
            case "Kestrel:Endpoints:NAME:Sni:HOST:Certificate":
                endpoint["Sni"] = new JsonObject { ["*"] = new JsonObject { ["Certificate"] = new JsonObject { ["Path"] = pem, ["KeyPath"] = keyPem } } };
                config["Kestrel"] = new JsonObject { ["Endpoints"] = new JsonObject { ["Secure"] = endpoint } };
                break;
            default:
                environment["ASPNETCORE_Kestrel__Certificates__Default__Path"] = pfx;
                environment["ASPNETCORE_Kestrel__Certificates__Default__Password"] = password;
                break;
        }

        await File.WriteAllTextAsync(Path.Combine(_folder, "mndfhir.json"), config.ToJsonString());

        using var serve = CliProcess.StartInterruptible(_folder, environment, "serve", "--urls", "https://127.0.0.1:0", "--config", "mndfhir.json");
        var listening = await ListeningLineAsync(serve);
        await StopAsync(serve);
        var (_, _, error) = await CliProcess.WaitAsync(serve);

        Assert.True(listening?.Contains("listening on https://127.0.0.1:", StringComparison.Ordinal), $"{way}: {listening}\n{error}");
        Assert.DoesNotContain(password, error, StringComparison.Ordinal);
    }

    private static async Task<string?> ListeningLineAsync(System.Diagnostics.Process serve)
    {
        using var started = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (await serve.StandardOutput.ReadLineAsync(started.Token) is { } line)
        {
            if (line.Contains("listening on", StringComparison.Ordinal))
            {
                return line;
            }
        }

        return null;
    }

    private static async Task StopAsync(System.Diagnostics.Process serve)
    {
        if (!serve.HasExited)
        {
            using var stop = System.Diagnostics.Process.Start("kill", ["-INT", serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await stop.WaitForExitAsync();
        }
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
}
