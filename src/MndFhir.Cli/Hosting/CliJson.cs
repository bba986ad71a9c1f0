using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MndFhir.Cli.Hosting;

/// <summary>
/// The --json output of the listing commands: the shapes the service's API answers with (camelCase names, enums and
/// outcomes as words, ISO 8601 times with offset), so a script reads `mndfhir status --json` and <c>GET /api/status</c>
/// alike. Documented in docs/operations.md ("Output for scripts").
/// </summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static Option<bool> Option() => new("--json") { Description = "Write JSON for scripts (the shape is documented in docs/operations.md) instead of the table." };

    public static Task WriteAsync<T>(T value, TextWriter output) => output.WriteLineAsync(JsonSerializer.Serialize(value, Options));
}
