using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.Identity;
using MndFhir.IntegrationTests.Infrastructure;
using MndFhir.IntegrationTests.Sync;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Delivery.Authentication;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;
using Xunit.Abstractions;

namespace MndFhir.IntegrationTests.Delivery;

/// <summary>
/// Authentication to FHIR servers as registries connect systems (issue 10, item 3), against real servers on loopback:
/// SMART Backend Services with a token endpoint that verifies the signed assertion against the registered JWKS, and
/// mutual TLS with certificates the test makes.
/// </summary>
public sealed class DestinationAuthenticationTests(FhirTestServer server, ITestOutputHelper output) : IClassFixture<FhirTestServer>, IDisposable
{
    private const string ClientId = "mndfhir-clinic-17";
    private const string Scopes = "system/Patient.cu system/Condition.cu system/Procedure.cu system/Observation.cu";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-auth-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task A_smart_backend_services_sync_signs_its_assertion_with_the_published_key_and_survives_tokens_expiring_and_revoked_mid_run()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = cts.Token;
        Directory.CreateDirectory(_folder);
        var keyFile = Path.Combine(_folder, "registry.key.pem");
        using (var rsa = RSA.Create(3072))
        {
            TestCertificates.WritePrivate(keyFile, rsa.ExportPkcs8PrivateKeyPem());
        }

        await using var auth = await SmartAuthServer.StartAsync(server.BaseUrl, ClientId, "{\"keys\":[]}");
        var system = $"https://clinic.test/sid/{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>
        {
            ["Clinic:IdentifierSystem"] = system,
            ["Destinations:0:Name"] = "registry",
            ["Destinations:0:Kind"] = "FhirRest",
            ["Destinations:0:BaseUrl"] = auth.BaseUrl.ToString(),
            ["Destinations:0:Auth"] = "SmartBackendServices",
            ["Destinations:0:ClientId"] = ClientId,
            ["Destinations:0:Scopes"] = Scopes,
            ["Destinations:0:KeyId"] = "clinic-17-2026",
            ["Destinations:0:PrivateKeyFile"] = keyFile,
            ["Destinations:0:BatchSize"] = "50",
        };

        // The registry registers the client with the JWKS that `mndfhir keys jwks` prints: the public key, nothing more.
        var (exit, jwks, error) = await MndFhirProcess.RunAsync(WriteConfig(settings), ["keys", "jwks", "--destination", "registry"], ct);
        Assert.True(exit == 0, error);
        var key = Assert.Single(JsonNode.Parse(jwks)!["keys"]!.AsArray())!;
        Assert.Equal(("RSA", "clinic-17-2026", "RS384"), (key["kty"]!.GetValue<string>(), key["kid"]!.GetValue<string>(), key["alg"]!.GetValue<string>()));
        Assert.Null(key["d"]);
        auth.RegisteredJwks = jwks;

        // Tokens live 3 s, and every token issued so far is revoked at the 6th FHIR request.
        auth.TokenLifetime = TimeSpan.FromSeconds(3);
        auth.RevokeAllAtRequest = 6;
        await using var host = await SyncTestHost.StartAsync(settings, ct);
        await KeepPatientsAsync(host.ExportFolder, 6);
        await host.Get<ClinicImporter>().ImportAsync(host.ExportFolder, ct);
        var export = await SampleExport.ReadAsync(host.ExportFolder);

        var summary = await host.Get<SyncRunner>().RunAsync("registry", "test", ct);

        output.WriteLine($"{summary.Created} created; {auth.FhirRequests} FHIR requests, {auth.TokensIssued} tokens, {auth.Unauthorized} answered 401, scope '{auth.LastScope}'");
        Assert.True(auth.Unauthorized >= 1, "the revocation was never seen");
        Assert.True(auth.TokensIssued >= 2, $"{auth.TokensIssued} tokens");
        Assert.Equal(0, auth.AssertionsRefused);
        Assert.Equal(Scopes, auth.LastScope);
        var contexts = host.Get<IDbContextFactory<MndFhirDbContext>>();
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            Assert.Equal(SyncOutcome.Succeeded, (await db.SyncRuns.SingleAsync(ct)).Outcome);
            Assert.Equal(0, await db.Ledger.CountAsync(e => e.State == LedgerState.Failed, ct));
        }

        using var http = new HttpClient();
        var audit = await ServerAudit.RunAsync(http, server.BaseUrl, system, export, contexts, "registry", ct);
        output.WriteLine(audit.ToString());
        Assert.True(audit.Records > 100, audit.ToString());
        Assert.Equal((audit.Records, 0, 0, 0), (summary.Created, audit.Duplicates, audit.Missing, audit.LedgerDisagreements));

        // The FHIR endpoint itself refuses a request without a token and one with an expired token.
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri(auth.BaseUrl, "metadata"), ct)).StatusCode);
        using var expired = new HttpRequestMessage(HttpMethod.Get, new Uri(auth.BaseUrl, "metadata"));
        expired.Headers.Authorization = new AuthenticationHeaderValue("Bearer", auth.IssueExpiredToken());
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(expired, ct)).StatusCode);
    }

    [Fact]
    public async Task An_es384_key_gets_a_token_and_a_key_the_registry_does_not_hold_is_refused_as_an_authentication_failure()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = cts.Token;
        Directory.CreateDirectory(_folder);
        var keyFile = Path.Combine(_folder, "es384.key.pem");
        using (var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384))
        {
            TestCertificates.WritePrivate(keyFile, ec.ExportPkcs8PrivateKeyPem());
        }

        await using var auth = await SmartAuthServer.StartAsync(server.BaseUrl, ClientId, "{\"keys\":[]}");
        var settings = new Dictionary<string, string?>
        {
            ["Destinations:0:Auth"] = "SmartBackendServices",
            ["Destinations:0:ClientId"] = ClientId,
            ["Destinations:0:Scopes"] = "system/*.cu",
            ["Destinations:0:KeyId"] = "es-1",
            ["Destinations:0:PrivateKeyFile"] = keyFile,
        };
        var identity = new ClinicIdentity("https://clinic.test/sid/" + Guid.NewGuid().ToString("N"));
        using (var key = SmartSigningKey.Load(new DestinationOptions { Name = "test", PrivateKeyFile = keyFile, KeyId = "es-1" }))
        {
            Assert.Equal("ES384", key.Algorithm);
            auth.RegisteredJwks = key.Jwks();
        }

        await using (var destination = FhirDestination.At(auth.BaseUrl, identity, settings: settings))
        {
            using var client = destination.Client();
            await client.CapabilitiesAsync(ct);
            await client.SearchByIdentifierAsync([new MndFhir.Identity.ResourceKey("Patient", "P-0001")], ct);
        }

        Assert.Equal((1, 0, 2), (auth.TokensIssued, auth.Unauthorized, auth.FhirRequests));

        // The registry holds another key: the token endpoint refuses the assertion, and no FHIR request is made.
        using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP384))
        {
            var otherFile = Path.Combine(_folder, "other.key.pem");
            TestCertificates.WritePrivate(otherFile, other.ExportPkcs8PrivateKeyPem());
            using var otherKey = SmartSigningKey.Load(new DestinationOptions { Name = "test", PrivateKeyFile = otherFile, KeyId = "es-1" });
            auth.RegisteredJwks = otherKey.Jwks();
        }

        await using (var destination = FhirDestination.At(auth.BaseUrl, identity, settings: settings))
        {
            using var client = destination.Client();
            var refused = await Assert.ThrowsAsync<DestinationAuthenticationException>(() => client.CapabilitiesAsync(ct));
            output.WriteLine(refused.Message);
            Assert.StartsWith("Authentication failed: the token endpoint of 'test' refused the client (HTTP 401: invalid_client", refused.Message, StringComparison.Ordinal);
        }

        Assert.Equal((1, 1, 2), (auth.TokensIssued, auth.AssertionsRefused, auth.FhirRequests));
    }

    [Fact]
    public async Task Mutual_tls_succeeds_with_the_client_certificate_and_fails_without_it_or_with_an_untrusted_server()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = cts.Token;
        using var certificates = new TestCertificates(Path.Combine(_folder, "pki"));
        await using var front = await MutualTlsFront.StartAsync(server.BaseUrl, certificates);
        var identity = new ClinicIdentity("https://clinic.test/sid/" + Guid.NewGuid().ToString("N"));
        var (certificate, key) = certificates.IssueClientPem("mndfhir-clinic-17");
        var passwordVariable = "MNDFHIR_TEST_PFX_" + Guid.NewGuid().ToString("N")[..8];
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        var pfx = certificates.IssueClientPfx("mndfhir-clinic-17-pfx", password);
        Environment.SetEnvironmentVariable(passwordVariable, password);
        try
        {
            // PEM certificate and key.
            await using (var destination = FhirDestination.At(front.BaseUrl, identity, settings: new Dictionary<string, string?>
            {
                ["Destinations:0:ClientCertificateFile"] = certificate,
                ["Destinations:0:ClientCertificateKeyFile"] = key,
                ["Destinations:0:ServerCaFile"] = certificates.AuthorityFile,
            }))
            {
                using var client = destination.Client();
                await client.CapabilitiesAsync(ct);
                Assert.Single(await client.SearchByIdentifierAsync([new MndFhir.Identity.ResourceKey("Patient", "P-0001")], ct));
            }

            Assert.Equal((2, "CN=mndfhir-clinic-17"), (front.Accepted, front.LastClientSubject));

            // PKCS#12 with its password from the environment.
            await using (var destination = FhirDestination.At(front.BaseUrl, identity, settings: new Dictionary<string, string?>
            {
                ["Destinations:0:ClientCertificateFile"] = pfx,
                ["Destinations:0:ClientCertificatePasswordVariable"] = passwordVariable,
                ["Destinations:0:ServerCaFile"] = certificates.AuthorityFile,
            }))
            {
                using var client = destination.Client();
                await client.CapabilitiesAsync(ct);
            }

            Assert.Equal((3, "CN=mndfhir-clinic-17-pfx"), (front.Accepted, front.LastClientSubject));

            // No client certificate: the handshake fails, nothing reaches the server.
            await using (var destination = FhirDestination.At(front.BaseUrl, identity, settings: new Dictionary<string, string?> { ["Destinations:0:ServerCaFile"] = certificates.AuthorityFile }))
            {
                using var client = destination.Client();
                var error = await Assert.ThrowsAsync<DestinationUnavailableException>(() => client.CapabilitiesAsync(ct));
                output.WriteLine(error.Message);
            }

            // The client certificate but the system's roots, which do not know the test authority: the server is not trusted.
            await using (var destination = FhirDestination.At(front.BaseUrl, identity, settings: new Dictionary<string, string?>
            {
                ["Destinations:0:ClientCertificateFile"] = certificate,
                ["Destinations:0:ClientCertificateKeyFile"] = key,
            }))
            {
                using var client = destination.Client();
                var error = await Assert.ThrowsAsync<DestinationUnavailableException>(() => client.CapabilitiesAsync(ct));
                output.WriteLine(error.Message);
                Assert.Contains("SSL", error.Message, StringComparison.OrdinalIgnoreCase);
            }

            Assert.Equal(3, front.Accepted);
        }
        finally
        {
            Environment.SetEnvironmentVariable(passwordVariable, null);
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

    /// <summary>Keeps the first <paramref name="count"/> patients of the export and their rows (each record is one line).</summary>
    private static async Task KeepPatientsAsync(string export, int count)
    {
        var patients = (await File.ReadAllLinesAsync(Path.Combine(export, "patients.csv"))).Take(count + 1).ToList();
        var kept = patients.Skip(1).Select(l => l.Split(',')[0]).ToHashSet(StringComparer.Ordinal);
        await File.WriteAllLinesAsync(Path.Combine(export, "patients.csv"), patients);
        foreach (var file in new[] { "treatments.csv", "assessments.csv" })
        {
            var lines = await File.ReadAllLinesAsync(Path.Combine(export, file));
            await File.WriteAllLinesAsync(Path.Combine(export, file), lines.Take(1).Concat(lines.Skip(1).Where(l => kept.Contains(l.Split(',')[1]))));
        }
    }

    private string WriteConfig(Dictionary<string, string?> settings)
    {
        var destination = new JsonObject();
        foreach (var (k, v) in settings.Where(s => s.Key.StartsWith("Destinations:0:", StringComparison.Ordinal)))
        {
            destination[k["Destinations:0:".Length..]] = v;
        }

        var config = new JsonObject
        {
            ["Clinic"] = new JsonObject { ["MappingsPath"] = RepositoryPaths.Mappings },
            ["Database"] = new JsonObject { ["ConnectionString"] = "Data Source=" + Path.Combine(_folder, "cli.db") },
            ["Logging"] = new JsonObject { ["Folder"] = Path.Combine(_folder, "logs") },
            ["Destinations"] = new JsonArray(destination),
        };
        var file = Path.Combine(_folder, "mndfhir.json");
        File.WriteAllText(file, config.ToJsonString());
        return file;
    }
}
