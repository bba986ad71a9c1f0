using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace MndFhir.Cli.Tests;

/// <summary>`mndfhir keys jwks` prints what a registry registers; credential mistakes are one line and exit code 2.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the key file is made readable by this user only
public sealed class KeysCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-keys-" + Guid.NewGuid().ToString("N")[..12]);

    public KeysCommandTests() => Directory.CreateDirectory(_folder);

    [Fact]
    public async Task Keys_jwks_prints_the_public_key_of_the_destination_with_its_kid()
    {
        var keyFile = Path.Combine(_folder, "registry.key.pem");
        using (var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384))
        {
            File.WriteAllText(keyFile, string.Empty);
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(keyFile, ec.ExportPkcs8PrivateKeyPem());
        }

        WriteConfig(new JsonObject
        {
            ["Name"] = "registry", ["Kind"] = "FhirRest", ["BaseUrl"] = "https://registry.example/fhir/", ["Auth"] = "SmartBackendServices",
            ["ClientId"] = "clinic-17", ["Scopes"] = "system/*.cu", ["KeyId"] = "clinic-17-es", ["PrivateKeyFile"] = "registry.key.pem",
        });

        var (exit, output, error) = await CliProcess.RunAsync(_folder, "keys", "jwks", "--destination", "registry", "--config", "mndfhir.json");

        Assert.True(exit == 0, error);
        var key = Assert.Single(JsonNode.Parse(output)!["keys"]!.AsArray())!;
        Assert.Equal("""{"kty":"EC","kid":"clinic-17-es","use":"sig","alg":"ES384","key_ops":["verify"],"crv":"P-384"}""",
            new JsonObject(key.AsObject().Where(p => p.Key is not ("x" or "y")).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))).ToJsonString());
        Assert.Null(key["d"]);
    }

    [Fact]
    public async Task A_destination_without_a_key_has_nothing_to_publish()
    {
        WriteConfig(new JsonObject { ["Name"] = "files", ["Kind"] = "NdjsonFolder", ["Folder"] = "out" });

        var (exit, _, error) = await CliProcess.RunAsync(_folder, "keys", "jwks", "--destination", "files", "--config", "mndfhir.json");

        Assert.Equal(2, exit);
        Assert.Equal("mndfhir: Destination 'files' does not use SmartBackendServices auth (Auth is None); it has no key to publish.", error.Trim());
    }

    [Fact]
    public async Task A_bearer_token_for_plain_http_beyond_loopback_is_refused_in_one_line_naming_the_destination_and_key()
    {
        var variable = "MNDFHIR_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        WriteConfig(new JsonObject
        {
            ["Name"] = "hospital", ["Kind"] = "FhirRest", ["BaseUrl"] = "http://fhir.hospital.example/fhir/", ["Auth"] = "Bearer", ["TokenVariable"] = variable,
        });

        var (exit, output, error) = await CliProcess.RunAsync(_folder, new Dictionary<string, string?> { [variable] = "secret-token" }, "sync", "--destination", "hospital", "--config", "mndfhir.json");

        Assert.True(exit == 2, $"exit {exit}\n{output}\n{error}");
        Assert.Equal(
            "mndfhir: the configuration has a problem: Destinations:0:BaseUrl: 'hospital' would send its Bearer credentials over plain http to fhir.hospital.example: use https (plain http only to a loopback address).",
            error.Trim());
        Assert.False(File.Exists(Path.Combine(_folder, "mndfhir.db")));
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

    private void WriteConfig(JsonObject destination)
    {
        var config = new JsonObject
        {
            ["Clinic"] = new JsonObject { ["MappingsPath"] = RepositoryPaths.Mappings, ["IdentifierSystem"] = "https://clinic.example.org/fhir/sid/mnd" },
            ["Database"] = new JsonObject { ["ConnectionString"] = "Data Source=" + Path.Combine(_folder, "mndfhir.db") },
            ["Logging"] = new JsonObject { ["Folder"] = Path.Combine(_folder, "logs") },
            ["Destinations"] = new JsonArray(destination),
        };
        File.WriteAllText(Path.Combine(_folder, "mndfhir.json"), config.ToJsonString());
    }
}
