using System.Text.Json.Nodes;

namespace MndFhir.Cli.Tests;

/// <summary>
/// <c>quarantine dismiss</c>: an operator closes open entries by hand, kept as resolved with who and why; an unknown id
/// or a bad argument is a usage error that dismisses nothing. Real commands on a real SQLite database, after importing
/// the samples' bad export (eight rejected rows).
/// </summary>
public sealed class QuarantineCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-quarantine-" + Guid.NewGuid().ToString("N")[..12]);

    public QuarantineCommandTests()
    {
        // The samples' registry destination is pseudonymised: its throw-away key, as the README sets it.
        Environment.SetEnvironmentVariable("MNDFHIR_SAMPLE_REGISTRY_KEY", "samples-only-not-a-secret-do-not-use-for-real-data");
        Directory.CreateDirectory(_folder);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Samples, "mndfhir.sample.json")))!;
        config["Clinic"]!["MappingsPath"] = RepositoryPaths.Mappings;
        config["Clinic"]!["ExportPath"] = Path.Combine(RepositoryPaths.Samples, "bad-export");
        config["Database"]!["ConnectionString"] = "Data Source=" + Path.Combine(_folder, "mndfhir.db");
        config["Logging"]!["Folder"] = Path.Combine(_folder, "logs");
        config["Destinations"]![0]!["Folder"] = Path.Combine(_folder, "hospital");
        config["Destinations"]![1]!["Folder"] = Path.Combine(_folder, "registry");
        File.WriteAllText(Path.Combine(_folder, "mndfhir.json"), config.ToJsonString());
    }

    [Fact]
    public async Task Dismissed_entries_are_kept_resolved_with_who_and_why_and_an_unknown_id_dismisses_nothing()
    {
        var (importExit, _, importError) = await RunAsync("import");
        Assert.True(importExit == 1, importError);
        var open = (await JsonAsync("quarantine", "list", "--json")).AsArray().Select(q => q!["id"]!.GetValue<long>()).ToList();
        Assert.Equal(8, open.Count);

        // An unknown id, a number that is no id, an empty reason: usage errors, one line each, nothing dismissed.
        var unknown = await RunAsync("quarantine", "dismiss", open[0].ToString(), "99999");
        Assert.True(unknown.ExitCode == 2, unknown.Error);
        Assert.Equal("mndfhir: no quarantine entry #99999; nothing was dismissed (see 'mndfhir quarantine list --all').", unknown.Error.Trim());
        var notAnId = await RunAsync("quarantine", "dismiss", "abc");
        Assert.True(notAnId.ExitCode == 2, notAnId.Error);
        Assert.Equal("mndfhir: id: 'abc' is not a quarantine entry's number (a whole number from 'mndfhir quarantine list'); see 'mndfhir quarantine dismiss --help'", notAnId.Error.Trim());
        var blank = await RunAsync("quarantine", "dismiss", open[0].ToString(), "--reason", " ");
        Assert.True(blank.ExitCode == 2, blank.Error);
        Assert.Equal(8, (await JsonAsync("quarantine", "list", "--json")).AsArray().Count);

        var dismissed = await RunAsync("quarantine", "dismiss", open[0].ToString(), open[1].ToString(), "--reason", "rows deleted in the EMR");
        Assert.True(dismissed.ExitCode == 0, dismissed.Error);
        Assert.Equal([$"#{open[0]} dismissed", $"#{open[1]} dismissed"], dismissed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        // Kept, resolved, with who and why; the open quarantine is two smaller.
        var all = (await JsonAsync("quarantine", "list", "--all", "--json")).AsArray();
        Assert.Equal(8, all.Count);
        var first = all.Single(q => q!["id"]!.GetValue<long>() == open[0])!;
        Assert.Equal("Resolved", first["state"]!.GetValue<string>());
        Assert.Equal($"dismissed by {Environment.UserName}: rows deleted in the EMR", first["resolution"]!.GetValue<string>());
        Assert.Equal(6, (await JsonAsync("status", "--json"))["intake"]!["openQuarantineTotal"]!.GetValue<int>());

        // Again: left as it was, not an error.
        var again = await RunAsync("quarantine", "dismiss", open[0].ToString());
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains($"#{open[0]} was resolved before; left as it was", again.Output, StringComparison.Ordinal);
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

    private Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) =>
        CliProcess.RunAsync(_folder, [.. args, "--config", "mndfhir.json"]);

    private async Task<JsonNode> JsonAsync(params string[] args)
    {
        var (exit, output, error) = await RunAsync(args);
        Assert.True(exit == 0, $"{string.Join(' ', args)}: exit {exit}\n{error}");
        return JsonNode.Parse(output)!;
    }
}
