using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging.Abstractions;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Serialization;
using MndFhir.Sync.ChangeSets;
using MndFhir.Sync.Delivery;

namespace MndFhir.Sync.Tests.Delivery;

/// <summary>The NDJSON folder destination: one committed part per batch, listed by a Bulk Data manifest only once complete.</summary>
public sealed class NdjsonFolderWriterTests : IDisposable
{
    private static readonly DateTimeOffset StartedAt = new(2026, 11, 26, 8, 30, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mndfhir-ndjson-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async System.Threading.Tasks.Task Each_batch_becomes_a_part_per_resource_type_listed_in_a_bulk_data_manifest()
    {
        await using var writer = NdjsonFolderWriter.Start(_folder, "files", StartedAt, 7, NullLogger.Instance);

        var first = await writer.SendAsync([Item("Patient", "P-1"), Item("Patient", "P 2")], CancellationToken.None);
        var second = await writer.SendAsync([Item("Condition", "P-1"), Item("Patient", "P-3")], CancellationToken.None);

        Assert.Equal(Path.Combine(_folder, "20261126T083000Z-run7"), writer.Output);
        Assert.All([.. first, .. second], r => Assert.True(r.Accepted && r.Created));
        Assert.Equal("P-1", first[0].ServerId);
        Assert.Equal(NdjsonFolderWriter.LogicalId("P 2"), first[1].ServerId);
        Assert.Equal(
            ["Condition.0002.ndjson", "Patient.0001.ndjson", "Patient.0002.ndjson", "manifest.json"],
            Directory.GetFiles(writer.Output!).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(writer.Output!, "manifest.json")))!;
        Assert.Equal("2026-11-26T08:30:00.000Z", manifest["transactionTime"]!.GetValue<string>());
        Assert.Equal("mndfhir sync files run 7", manifest["request"]!.GetValue<string>());
        Assert.False(manifest["requiresAccessToken"]!.GetValue<bool>());
        Assert.Empty(manifest["error"]!.AsArray());
        Assert.Equal(
            ["Patient Patient.0001.ndjson 2", "Condition Condition.0002.ndjson 1", "Patient Patient.0002.ndjson 1"],
            manifest["output"]!.AsArray().Select(o => $"{o!["type"]} {o["url"]} {o["count"]}"));
        foreach (var output in manifest["output"]!.AsArray())
        {
            var lines = await File.ReadAllLinesAsync(Path.Combine(writer.Output!, output!["url"]!.GetValue<string>()));
            Assert.Equal(output["count"]!.GetValue<int>(), lines.Length);
            Assert.All(lines, l => Assert.Equal(output["type"]!.GetValue<string>(), JsonNode.Parse(l)!["resourceType"]!.GetValue<string>()));
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task A_batch_that_cannot_be_stored_is_not_confirmed_and_the_parts_before_it_stay_listed()
    {
        await using var writer = NdjsonFolderWriter.Start(_folder, "files", StartedAt, 8, NullLogger.Instance);
        await writer.SendAsync([Item("Patient", "P-1")], CancellationToken.None);
        var manifestBefore = await File.ReadAllTextAsync(Path.Combine(writer.Output!, "manifest.json"));
        // A directory where part 2's Observation file must go: its rename fails as a full or broken disk would fail it.
        Directory.CreateDirectory(Path.Combine(writer.Output!, "Observation.0002.ndjson"));

        var error = await Assert.ThrowsAsync<DestinationWriteException>(
            () => writer.SendAsync([Item("Condition", "P-1"), Item("Observation", "A-1")], CancellationToken.None));

        Assert.StartsWith($"Cannot write to {writer.Output}: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(manifestBefore, await File.ReadAllTextAsync(Path.Combine(writer.Output!, "manifest.json")));
        Assert.Equal(
            ["Patient.0001.ndjson", "manifest.json"],
            Directory.GetFiles(writer.Output!).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async System.Threading.Tasks.Task Each_line_is_the_planned_json_with_its_logical_id_as_firely_writes_it()
    {
        // The writer puts the id into the JSON the change set hashed instead of serializing again: the line must be
        // exactly what Firely writes for the resource with that id (id right after resourceType).
        var observation = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8867-4", "Heart rate \"resting\" \u00e9"),
            Value = new Quantity(72, "/min"),
            Meta = new Meta { Profile = ["https://example.org/StructureDefinition/x"] },
        };
        var json = FhirJson.Serialize(observation);
        var planned = new ChangeSetItem(new MappedResource(new ResourceKey("Observation", "A 9/x"), "A 9/x", observation, []), json, FhirJson.Hash(json), ChangeKind.New);
        await using var writer = NdjsonFolderWriter.Start(_folder, "files", StartedAt, 9, NullLogger.Instance);

        await writer.SendAsync([planned.WithoutObjectModel(), Item("Patient", "P-1").WithoutObjectModel()], CancellationToken.None);

        var line = Assert.Single(await File.ReadAllLinesAsync(Path.Combine(writer.Output!, "Observation.0001.ndjson")));
        var expected = (Observation)observation.DeepCopy();
        expected.Id = NdjsonFolderWriter.LogicalId("A 9/x");
        Assert.Equal(FhirJson.Serialize(expected), line);
        Assert.Equal("{\"resourceType\":\"Patient\",\"id\":\"P-1\"}", Assert.Single(await File.ReadAllLinesAsync(Path.Combine(writer.Output!, "Patient.0001.ndjson"))));
    }

    [Fact]
    public async System.Threading.Tasks.Task Leftovers_of_an_interrupted_run_are_removed_when_the_next_run_starts()
    {
        var earlier = Path.Combine(_folder, "20261125T020000Z-run3");
        Directory.CreateDirectory(earlier);
        await File.WriteAllTextAsync(Path.Combine(earlier, "manifest.json"), "{\"output\":[{\"type\":\"Patient\",\"url\":\"Patient.0001.ndjson\",\"count\":1}],\"error\":[]}");
        string[] kept = ["Patient.0001.ndjson", "Patient.ndjson", "manifest.json", "notes.txt"];
        string[] leftovers = [".Observation.0002.ndjson.tmp", "Condition.0002.ndjson", ".manifest.json.tmp"];
        foreach (var name in kept.Concat(leftovers).Where(n => n != "manifest.json"))
        {
            await File.WriteAllTextAsync(Path.Combine(earlier, name), "{}\n");
        }

        var removed = NdjsonFolderWriter.RemoveLeftovers(_folder, NullLogger.Instance);

        Assert.Equal(leftovers.Length, removed);
        Assert.Equal(kept, Directory.GetFiles(earlier).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static ChangeSetItem Item(string type, string id)
    {
        var key = new ResourceKey(type, id);
        Resource resource = type switch
        {
            "Patient" => new Patient(),
            "Condition" => new Condition(),
            _ => new Observation(),
        };
        var json = FhirJson.Serialize(resource);
        return new ChangeSetItem(new MappedResource(key, id, resource, []), json, FhirJson.Hash(json), ChangeKind.New);
    }
}
