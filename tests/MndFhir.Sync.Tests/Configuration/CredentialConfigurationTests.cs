using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.Delivery;
using MndFhir.Sync.Delivery.Authentication;

namespace MndFhir.Sync.Tests.Configuration;

/// <summary>Credentials are refused before anything runs when they would leak: plain http, keys in a repository or readable by others, weak keys.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are the Unix guard of a private key
public sealed class CredentialConfigurationTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-cred-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _variable = "MNDFHIR_TEST_SECRET_" + Guid.NewGuid().ToString("N")[..8];

    public CredentialConfigurationTests()
    {
        Directory.CreateDirectory(_folder);
        Environment.SetEnvironmentVariable(_variable, "a-secret-that-must-stay-on-this-machine");
    }

    [Theory]
    [InlineData("http://fhir.hospital.example/fhir/", "Bearer", "Destinations:0:BaseUrl: 'hospital' would send its Bearer credentials over plain http to fhir.hospital.example: use https (plain http only to a loopback address).")]
    [InlineData("http://10.20.30.40:8080/fhir/", "Basic", "Destinations:0:BaseUrl: 'hospital' would send its Basic credentials over plain http to 10.20.30.40:8080: use https (plain http only to a loopback address).")]
    [InlineData("https://fhir.hospital.example/fhir/", "Bearer", null)]
    [InlineData("http://127.0.0.1:8103/fhir/", "Basic", null)]
    [InlineData("http://localhost:8103/fhir/", "Bearer", null)]
    [InlineData("http://fhir.hospital.example/fhir/", "None", null)]
    public void A_secret_is_never_configured_for_plain_http_beyond_loopback(string baseUrl, string auth, string? problem)
    {
        var problems = Problems(new()
        {
            ["Destinations:0:BaseUrl"] = baseUrl,
            ["Destinations:0:Auth"] = auth,
            ["Destinations:0:UserName"] = "clinic",
            ["Destinations:0:TokenVariable"] = auth == "None" ? null : _variable,
        });

        if (problem is null)
        {
            Assert.Empty(problems);
        }
        else
        {
            Assert.Equal(problem, Assert.Single(problems));
        }
    }

    [Fact]
    public void A_token_endpoint_on_plain_http_beyond_loopback_is_refused()
    {
        var key = WriteKey(RSA.Create(2048));

        var problems = Problems(Smart(key, new() { ["Destinations:0:TokenEndpoint"] = "http://auth.registry.example/token" }));

        Assert.Equal("Destinations:0:TokenEndpoint: 'hospital' would send its client assertion over plain http to auth.registry.example: use https (plain http only to a loopback address).", Assert.Single(problems));
    }

    [Fact]
    public void A_private_key_inside_a_git_working_tree_or_readable_by_others_is_refused()
    {
        var repository = Path.Combine(_folder, "repo");
        Directory.CreateDirectory(Path.Combine(repository, ".git"));
        Directory.CreateDirectory(Path.Combine(repository, "samples"));
        var inRepository = WriteKey(RSA.Create(2048), Path.Combine(repository, "samples", "registry.key.pem"));
        Assert.Equal(
            $"Destinations:0:PrivateKeyFile: {inRepository} lies in the git working tree {repository}; keep keys and certificates outside any repository",
            Assert.Single(Problems(Smart(inRepository))));

        var readable = WriteKey(RSA.Create(2048));
        File.SetUnixFileMode(readable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Equal(
            $"Destinations:0:PrivateKeyFile: {readable} can be read by other users of this machine; make it readable by this user only (chmod 600)",
            Assert.Single(Problems(Smart(readable))));

        Assert.Equal(
            $"Destinations:0:PrivateKeyFile: the file {Path.Combine(_folder, "nowhere.pem")} does not exist",
            Assert.Single(Problems(Smart(Path.Combine(_folder, "nowhere.pem")))));
    }

    [Fact]
    public void Smart_backend_services_needs_its_client_id_scopes_key_id_and_a_key_fit_for_rs384_or_es384()
    {
        var missing = Problems(new() { ["Destinations:0:Auth"] = "SmartBackendServices" });
        Assert.Contains("Destinations:0:ClientId: ClientId is required for SmartBackendServices auth of 'hospital'.", missing);
        Assert.Contains("Destinations:0:Scopes: Scopes is required for SmartBackendServices auth of 'hospital'.", missing);
        Assert.Contains("Destinations:0:KeyId: KeyId is required for SmartBackendServices auth of 'hospital'.", missing);
        Assert.Contains("Destinations:0:PrivateKeyFile: SmartBackendServices auth of 'hospital' needs its private key from exactly one of PrivateKeyFile or PrivateKeyVariable.", missing);

        Assert.Contains("an RSA key of 1024 bits is too short", Assert.Single(Problems(Smart(WriteKey(RSA.Create(1024))))), StringComparison.Ordinal);
        Assert.Contains("an EC key must be on the curve P-384", Assert.Single(Problems(Smart(WriteKey(ECDsa.Create(ECCurve.NamedCurves.nistP256))))), StringComparison.Ordinal);
        Assert.Empty(Problems(Smart(WriteKey(ECDsa.Create(ECCurve.NamedCurves.nistP384)))));

        var unset = "MNDFHIR_TEST_UNSET_" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(
            $"Destinations:0:PrivateKeyVariable: the environment variable {unset} is not set (it holds the private key of 'hospital')",
            Assert.Single(Problems(Smart(null, new() { ["Destinations:0:PrivateKeyVariable"] = unset }))));
    }

    [Theory]
    [InlineData("RSA")]
    [InlineData("EC")]
    public async Task The_jwks_holds_the_public_key_only_and_verifies_what_the_private_key_signed(string kind)
    {
        var file = WriteKey(kind == "RSA" ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP384));
        using var key = SmartSigningKey.Load(new DestinationOptions { Name = "registry", PrivateKeyFile = file, KeyId = "k-2026" });

        var jwks = new JsonWebKeySet(key.Jwks());

        var jwk = Assert.Single(jwks.Keys);
        Assert.Equal(("k-2026", kind == "RSA" ? "RS384" : "ES384", "sig"), (jwk.Kid, jwk.Alg, jwk.Use));
        Assert.False(jwk.HasPrivateKey);
        Assert.DoesNotContain("\"d\"", key.Jwks(), StringComparison.Ordinal);
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor { Issuer = "clinic", Audience = "registry", SigningCredentials = new SigningCredentials(key.SecurityKey, key.Algorithm) });
        var valid = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters { ValidIssuer = "clinic", ValidAudience = "registry", IssuerSigningKeys = jwks.GetSigningKeys() });
        Assert.True(valid.IsValid, valid.Exception?.Message);
    }

    [Fact]
    public async Task The_handler_refuses_to_put_a_secret_on_a_plain_http_request_beyond_loopback_whatever_the_configuration_said()
    {
        using var handler = new DestinationAuthHandler(
            new DestinationOptions { Name = "hospital", Auth = AuthKind.Bearer, TokenVariable = _variable },
            new SmartTokenSource(null!, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<SmartTokenSource>.Instance))
        {
            InnerHandler = new SocketsHttpHandler(),
        };
        using var invoker = new HttpMessageInvoker(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://fhir.hospital.example/fhir/metadata");

        var error = await Assert.ThrowsAsync<ConfigurationException>(() => invoker.SendAsync(request, CancellationToken.None));

        Assert.Equal("Destination 'hospital': its Bearer credentials are not sent over plain http to fhir.hospital.example; use https.", error.Message);
        Assert.Null(request.Headers.Authorization);
    }

    [Fact]
    public async Task The_handler_takes_a_blank_secret_for_one_not_set_and_sends_nothing()
    {
        // The variable was emptied after the configuration check (rotation): no "Bearer " header goes out.
        Environment.SetEnvironmentVariable(_variable, "  ");
        using var handler = new DestinationAuthHandler(
            new DestinationOptions { Name = "hospital", Auth = AuthKind.Bearer, TokenVariable = _variable },
            new SmartTokenSource(null!, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<SmartTokenSource>.Instance))
        {
            InnerHandler = new SocketsHttpHandler(),
        };
        using var invoker = new HttpMessageInvoker(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:9/fhir/metadata");

        var error = await Assert.ThrowsAsync<ConfigurationException>(() => invoker.SendAsync(request, CancellationToken.None));

        Assert.Equal($"Destination 'hospital' needs its secret in the environment variable {_variable}, which is not set.", error.Message);
        Assert.Null(request.Headers.Authorization);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_variable, null);
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static Dictionary<string, string?> Smart(string? keyFile, Dictionary<string, string?>? more = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Destinations:0:BaseUrl"] = "https://registry.example/fhir/",
            ["Destinations:0:Auth"] = "SmartBackendServices",
            ["Destinations:0:ClientId"] = "clinic-17",
            ["Destinations:0:Scopes"] = "system/*.cu",
            ["Destinations:0:KeyId"] = "k-2026",
            ["Destinations:0:PrivateKeyFile"] = keyFile,
        };
        foreach (var (k, v) in more ?? [])
        {
            values[k] = v;
        }

        return values;
    }

    private List<string> Problems(Dictionary<string, string?> destination)
    {
        var values = new Dictionary<string, string?>
        {
            ["Clinic:MappingsPath"] = RepositoryPaths.Mappings,
            ["Clinic:IdentifierSystem"] = "https://clinic.example.org/fhir/sid/mnd",
            ["Destinations:0:Name"] = "hospital",
            ["Destinations:0:Kind"] = "FhirRest",
            ["Destinations:0:BaseUrl"] = "https://fhir.hospital.example/fhir/",
        };
        foreach (var (k, v) in destination)
        {
            values[k] = v;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values.Where(v => v.Value is not null)).Build();
        return ConfigurationCheck.Problems(configuration, _folder, new Dictionary<string, Type>());
    }

    private string WriteKey(AsymmetricAlgorithm key, string? file = null)
    {
        file ??= Path.Combine(_folder, Guid.NewGuid().ToString("N")[..8] + ".key.pem");
        using (key)
        {
            File.WriteAllText(file, string.Empty);
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(file, key.ExportPkcs8PrivateKeyPem());
        }

        return file;
    }
}
