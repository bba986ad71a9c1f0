using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MndFhir.Cli.Tests;

/// <summary>
/// docs/mappings.md's worked example (adding a measure), replayed as written on a temporary copy of mappings/ and
/// samples/: its YAML and CSV blocks are appended to the files they name, its mndfhir commands run, their output must
/// contain each "expect" block, and the CodeSystem concept and golden file it shows must be what the commands made.
/// </summary>
public sealed partial class MappingsWorkedExampleTests : IDisposable
{
    /// <summary>The samples' throw-away pseudonym key, as the page says to set it.</summary>
    private static readonly Dictionary<string, string?> SampleKey = new() { ["MNDFHIR_SAMPLE_REGISTRY_KEY"] = "samples-only-not-a-secret-do-not-use-for-real-data" };

    private readonly string _root = Path.Combine(Path.GetTempPath(), "mndfhir-mappings-doc-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task The_worked_example_of_adding_a_measure_does_what_docs_mappings_md_says()
    {
        RepositoryPaths.CopyMappings(Path.Combine(_root, "mappings"));
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryPaths.Samples, "clinic-export")))
        {
            Directory.CreateDirectory(Path.Combine(_root, "samples", "clinic-export"));
            File.Copy(file, Path.Combine(_root, "samples", "clinic-export", Path.GetFileName(file)));
        }

        File.Copy(Path.Combine(RepositoryPaths.Samples, "mndfhir.sample.json"), Path.Combine(_root, "samples", "mndfhir.sample.json"));
        var doc = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "docs", "mappings.md"));

        var output = string.Empty;
        var done = new List<string>();
        foreach (Match block in Fence().Matches(doc))
        {
            var info = block.Groups["info"].Value.Trim();
            var body = block.Groups["body"].Value;
            if (Regex.Match(info, @"^\w+ append-to=(?<path>\S+)$") is { Success: true } append)
            {
                await File.AppendAllTextAsync(Path.Combine(_root, append.Groups["path"].Value), body);
                done.Add("append");
            }
            else if (info == "sh")
            {
                output = string.Empty;
                foreach (var command in body.Split('\n').Where(l => l.StartsWith("mndfhir ", StringComparison.Ordinal)))
                {
                    var (exit, stdout, stderr) = await CliProcess.RunAsync(_root, SampleKey, command["mndfhir ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
                    Assert.True(exit == 0, $"{command}: exit {exit}\n{stdout}\n{stderr}");
                    output += stdout + "\n" + stderr + "\n";
                    done.Add("command");
                }
            }
            else if (info == "text expect")
            {
                var normalised = Squeeze(output);
                foreach (var line in body.Split('\n').Select(Squeeze).Where(l => l.Length > 0))
                {
                    var pattern = string.Join(".*?", line.Split('…').Select(Regex.Escape));
                    Assert.True(Regex.IsMatch(normalised, pattern), $"docs/mappings.md expects \"{line}\" in:\n{output}");
                }

                done.Add("expect");
            }
            else if (Regex.Match(info, @"^json concept=(?<path>\S+)$") is { Success: true } concept)
            {
                var expected = JsonNode.Parse(body)!;
                var system = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_root, concept.Groups["path"].Value)))!;
                var actual = system["concept"]!.AsArray().SingleOrDefault(c => c!["code"]!.GetValue<string>() == expected["code"]!.GetValue<string>());
                Assert.True(JsonNode.DeepEquals(expected, actual), $"the CodeSystem has {actual?.ToJsonString() ?? "no such concept"}");
                done.Add("concept");
            }
            else if (Regex.Match(info, @"^json golden=(?<path>\S+)$") is { Success: true })
            {
                // What the golden test would write: the resource as `map` makes it (the same mapper and references).
                var expected = JsonNode.Parse(body)!;
                var record = expected["identifier"]![0]!["value"]!.GetValue<string>();
                var (exit, stdout, stderr) = await CliProcess.RunAsync(_root, SampleKey, "map", "--record", record, "--out", "bundle.json", "--config", "samples/mndfhir.sample.json");
                Assert.True(exit == 0, $"map: exit {exit}\n{stdout}\n{stderr}");
                var resource = Assert.Single(JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_root, "bundle.json")))!["entry"]!.AsArray())!["resource"];
                Assert.True(JsonNode.DeepEquals(expected, resource), $"docs/mappings.md's golden file differs from what the mapping makes:\n{resource}");
                done.Add("golden");
            }
        }

        // The page keeps every step: the entry and the row, four commands, their output, the concept and the golden file.
        Assert.Equal(2, done.Count(d => d == "append"));
        Assert.Equal(4, done.Count(d => d == "command"));
        Assert.Equal(3, done.Count(d => d == "expect"));
        Assert.Contains("concept", done);
        Assert.Contains("golden", done);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Squeeze(string text) => Regex.Replace(text, @"[ \t]+", " ").Trim();

    [GeneratedRegex(@"^```(?<info>[^\n]*)\n(?<body>.*?)^```[ \t]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();
}
