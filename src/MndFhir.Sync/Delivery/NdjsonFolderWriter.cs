using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MndFhir.Serialization;
using MndFhir.Sync.ChangeSets;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// Delivers to a folder: each sync writes a sub-folder with one NDJSON file per resource type (the FHIR bulk data
/// format) holding only what changed, and a manifest. Resources get logical ids derived from their business ids, so
/// references between files resolve. Lines are flushed before they are reported as delivered.
/// </summary>
public sealed partial class NdjsonFolderWriter : IDestinationWriter
{
    private readonly string _directory;
    private readonly Dictionary<string, (StreamWriter Writer, int Count)> _files = new(StringComparer.Ordinal);

    public NdjsonFolderWriter(string folder, DateTimeOffset runStartedAt, long runId)
    {
        _directory = Path.Combine(folder, $"{runStartedAt.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-run{runId}");
    }

    /// <summary>The sub-folder this run wrote, or null when there was nothing to write (no empty folders).</summary>
    public string? Output => _files.Count > 0 ? _directory : null;

    /// <summary>A valid FHIR id for a business id: the id itself when it fits <c>[A-Za-z0-9\-\.]{1,64}</c>, else a hash.</summary>
    public static string LogicalId(string businessId) =>
        FhirId().IsMatch(businessId) ? businessId : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(businessId)))[..32];

    public async Task<IReadOnlyList<DeliveryResult>> SendAsync(IReadOnlyList<ChangeSetItem> batch, CancellationToken ct)
    {
        var results = new List<DeliveryResult>(batch.Count);
        foreach (var item in batch)
        {
            var resource = item.Mapped.Resource;
            resource.Id = LogicalId(item.Mapped.Key.BusinessId);
            var type = item.Mapped.Key.ResourceType;
            if (!_files.TryGetValue(type, out var file))
            {
                Directory.CreateDirectory(_directory);
                var stream = new FileStream(Path.Combine(_directory, type + ".ndjson"), FileMode.Create, FileAccess.Write, FileShare.Read);
                file = (new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" }, 0);
            }

            await file.Writer.WriteLineAsync(FhirJson.Serialize(resource).AsMemory(), ct);
            _files[type] = (file.Writer, file.Count + 1);
            results.Add(DeliveryResult.Confirmed(item.Mapped.Key, created: !item.OnDestination, resource.Id, version: null));
        }

        foreach (var (writer, _) in _files.Values)
        {
            await writer.FlushAsync(ct);
        }

        return results;
    }

    public async ValueTask DisposeAsync()
    {
        if (_files.Count == 0)
        {
            return;
        }

        var manifest = _files.OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => new { type = f.Key, url = f.Key + ".ndjson", count = f.Value.Count })
            .ToList();
        foreach (var (writer, _) in _files.Values)
        {
            await writer.DisposeAsync();
        }

        await File.WriteAllTextAsync(
            Path.Combine(_directory, "manifest.json"),
            JsonSerializer.Serialize(new { output = manifest }, new JsonSerializerOptions { WriteIndented = true }));
    }

    [GeneratedRegex("^[A-Za-z0-9\\-\\.]{1,64}$")]
    private static partial Regex FhirId();
}
