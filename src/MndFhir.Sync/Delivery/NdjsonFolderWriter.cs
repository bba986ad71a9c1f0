using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using MndFhir.Serialization;
using MndFhir.Sync.ChangeSets;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// Delivers to a folder in the FHIR Bulk Data format. Each sync writes a sub-folder; each batch becomes one committed
/// part: per resource type a file <c>{Type}.{part:0000}.ndjson</c>, written under a temporary name, flushed to the
/// disk and renamed, then <c>manifest.json</c> (the Bulk Data export manifest) is replaced atomically to list it. Only
/// then is the batch confirmed, so the ledger holds exactly what the manifests list: a batch that fails (disk full)
/// or is cut off (kill -9) leaves nothing listed, and the parts committed before it stay listed and intact. Resources
/// get logical ids derived from their business ids, so references between files resolve.
/// </summary>
public sealed partial class NdjsonFolderWriter : IDestinationWriter
{
    public const string ManifestName = "manifest.json";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private static readonly JsonSerializerOptions ManifestJson = new() { WriteIndented = true };

    private readonly string _directory;
    private readonly string _request;
    private readonly string _transactionTime;
    private readonly ILogger _logger;
    private readonly List<ManifestOutput> _committed = [];
    private readonly List<ManifestOutput> _deleted = [];
    private readonly PartProvenance? _provenance;
    private int _parts;

    private NdjsonFolderWriter(string folder, string destination, DateTimeOffset runStartedAt, long runId, ILogger logger, PartProvenance? provenance)
    {
        _provenance = provenance;
        _directory = Path.Combine(folder, RunFolderName(runStartedAt, runId));
        _request = $"mndfhir sync {destination} run {runId}";
        _transactionTime = runStartedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        _logger = logger;
    }

    /// <summary>The sub-folder this run wrote, or null when it committed nothing (no empty folders).</summary>
    public string? Output => _parts > 0 ? _directory : null;

    /// <summary>
    /// The writer of one run of <paramref name="destination"/>. First removes what interrupted runs left in
    /// <paramref name="folder"/>: temporary files, and part files no manifest lists (a kill between a part's renames and
    /// its manifest). Neither was ever confirmed, so the ledger does not hold them and this run sends them again.
    /// </summary>
    public static NdjsonFolderWriter Start(string folder, string destination, DateTimeOffset runStartedAt, long runId, ILogger logger, PartProvenance? provenance = null)
    {
        var removed = RemoveLeftovers(folder, logger);
        if (removed > 0)
        {
            logger.LogWarning("Removed {FileCount} files that interrupted syncs of {Destination} left unlisted in its folder", removed, destination);
        }

        return new NdjsonFolderWriter(folder, destination, runStartedAt, runId, logger, provenance);
    }

    /// <summary>A valid FHIR id for a business id: the id itself when it fits <c>[A-Za-z0-9\-\.]{1,64}</c>, else a hash.</summary>
    public static string LogicalId(string businessId) =>
        FhirId().IsMatch(businessId) ? businessId : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(businessId)))[..32];

    /// <summary>
    /// One line: the JSON the change set hashed and validated, with the logical id set after its resourceType (where
    /// FHIR JSON has it), so the resource is not serialized a second time (the validated items carry no object model);
    /// read and written anew only should the planned JSON not start as Firely writes it.
    /// </summary>
    private static async Task WriteWithIdAsync(TextWriter writer, ChangeSetItem item, string id, CancellationToken ct)
    {
        var json = item.Json;
        var prefix = "{\"resourceType\":\"" + item.Mapped.Key.ResourceType + "\"";
        if (json.StartsWith(prefix, StringComparison.Ordinal) && json.Length > prefix.Length && json[prefix.Length] is ',' or '}'
            && !json.AsSpan(prefix.Length).StartsWith(",\"id\":", StringComparison.Ordinal))
        {
            await writer.WriteAsync(prefix.AsMemory(), ct);
            await writer.WriteAsync(",\"id\":\"".AsMemory(), ct);
            await writer.WriteAsync(id.AsMemory(), ct);
            await writer.WriteAsync("\"".AsMemory(), ct);
            await writer.WriteLineAsync(json.AsMemory(prefix.Length), ct);
            return;
        }

        var resource = FhirJson.Deserialize<Hl7.Fhir.Model.Resource>(json);
        resource.Id = id;
        await writer.WriteLineAsync(FhirJson.Serialize(resource).AsMemory(), ct);
    }

    public async Task<IReadOnlyList<DeliveryResult>> SendAsync(IReadOnlyList<ChangeSetItem> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return [];
        }

        var part = _parts + 1;
        var outputs = new List<ManifestOutput>();
        var renamed = new List<string>();
        try
        {
            Directory.CreateDirectory(_directory);
            foreach (var type in batch.GroupBy(i => i.Mapped.Key.ResourceType, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var name = $"{type.Key}.{part:0000}.ndjson";
                await CommitFileAsync(
                    Path.Combine(_directory, name),
                    async (writer, token) =>
                    {
                        foreach (var item in type)
                        {
                            await WriteWithIdAsync(writer, item, LogicalId(item.Mapped.Key.BusinessId), token);
                        }
                    },
                    replace: false,
                    ct);
                renamed.Add(Path.Combine(_directory, name));
                outputs.Add(new ManifestOutput(type.Key, name, type.Count()));
            }

            if (_provenance is not null)
            {
                // One Provenance per part, targeting every resource of the part by its logical id in these files.
                var name = $"Provenance.{part:0000}.ndjson";
                var json = _provenance.Json(batch.Select(i => new Hl7.Fhir.Model.ResourceReference($"{i.Mapped.Key.ResourceType}/{LogicalId(i.Mapped.Key.BusinessId)}")));
                await CommitFileAsync(Path.Combine(_directory, name), (writer, token) => writer.WriteLineAsync(json.AsMemory(), token), replace: false, ct);
                renamed.Add(Path.Combine(_directory, name));
                outputs.Add(new ManifestOutput("Provenance", name, 1));
            }

            // The commit point: until the manifest lists the part, no reader and no ledger counts it.
            await WriteManifestAsync([.. _committed, .. outputs], _deleted, ct);
        }
        catch (Exception ex)
        {
            foreach (var file in renamed)
            {
                TryDelete(file);
            }

            if (_parts == 0)
            {
                TryDeleteEmptyDirectory(_directory);
            }

            if (ex is IOException or UnauthorizedAccessException)
            {
                throw new DestinationWriteException($"Cannot write to {_directory}: {Cause(ex)}", ex);
            }

            throw;
        }

        _committed.AddRange(outputs);
        _parts = part;
        _logger.LogDebug("Committed part {Part} ({ResourceCount} resources in {FileCount} files) to {Folder}", part, batch.Count, outputs.Count, _directory);
        return batch.Select(item => DeliveryResult.Confirmed(item.Mapped.Key, created: !item.OnDestination, LogicalId(item.Mapped.Key.BusinessId), version: null)).ToList();
    }

    /// <summary>
    /// Deletions as the Bulk Data manifest has them: one part <c>Bundle.{part:0000}.ndjson</c> holding a transaction Bundle
    /// of <c>DELETE {type}/{id}</c> entries, listed under the manifest's <c>deleted</c>; committed like any part.
    /// </summary>
    public async Task<IReadOnlyList<DeliveryResult>> DeleteAsync(IReadOnlyList<Withdrawal> items, CancellationToken ct)
    {
        if (items.Count == 0)
        {
            return [];
        }

        var part = _parts + 1;
        var name = $"Bundle.{part:0000}.ndjson";
        var path = Path.Combine(_directory, name);
        var deleted = new ManifestOutput("Bundle", name, items.Count);
        var written = false;
        try
        {
            Directory.CreateDirectory(_directory);
            var bundle = FhirBundleBuilder.Deletes(BundleKind.Transaction, items.Select(i => (i.Key.ResourceType, i.ServerId)).ToList());
            await CommitFileAsync(path, (writer, token) => writer.WriteLineAsync(bundle.AsMemory(), token), replace: false, ct);
            written = true;
            await WriteManifestAsync(_committed, [.. _deleted, deleted], ct);
        }
        catch (Exception ex)
        {
            if (written)
            {
                TryDelete(path);
            }

            if (_parts == 0)
            {
                TryDeleteEmptyDirectory(_directory);
            }

            if (ex is IOException or UnauthorizedAccessException)
            {
                throw new DestinationWriteException($"Cannot write to {_directory}: {Cause(ex)}", ex);
            }

            throw;
        }

        _deleted.Add(deleted);
        _parts = part;
        return items.Select(i => DeliveryResult.Confirmed(i.Key, created: false, i.ServerId, version: null)).ToList();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal static string RunFolderName(DateTimeOffset runStartedAt, long runId) => $"{runStartedAt.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-run{runId}";

    /// <summary>
    /// Deletes, in the run sub-folders of <paramref name="folder"/>, the temporary files and the part files that their
    /// manifest does not list; best effort (a file that cannot be deleted stays, unlisted). Returns how many went.
    /// </summary>
    internal static int RemoveLeftovers(string folder, ILogger logger)
    {
        var removed = 0;
        try
        {
            if (!Directory.Exists(folder))
            {
                return 0;
            }

            foreach (var run in Directory.EnumerateDirectories(folder).Where(d => RunFolder().IsMatch(Path.GetFileName(d))))
            {
                var listed = ListedFiles(run);
                foreach (var file in Directory.GetFiles(run))
                {
                    var name = Path.GetFileName(file);
                    var leftover = TempFile().IsMatch(name) || (listed is not null && PartFile().IsMatch(name) && !listed.Contains(name));
                    if (leftover && TryDelete(file))
                    {
                        removed++;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not look for leftovers of interrupted syncs in {Folder}: {Reason}", folder, ex.Message);
        }

        return removed;
    }

    /// <summary>The file names a run folder's manifest lists; empty without a manifest, null when it cannot be read (then nothing is taken for unlisted).</summary>
    private static HashSet<string>? ListedFiles(string run)
    {
        var manifest = Path.Combine(run, ManifestName);
        if (!File.Exists(manifest))
        {
            return [];
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
            var deleted = doc.RootElement.TryGetProperty("deleted", out var d) ? d.EnumerateArray() : default;
            return doc.RootElement.GetProperty("output").EnumerateArray().Concat(deleted).Select(o => o.GetProperty("url").GetString()!).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            return null;
        }
    }

    /// <summary>The Bulk Data export manifest listing every part this run committed, replaced atomically.</summary>
    private Task WriteManifestAsync(IReadOnlyList<ManifestOutput> outputs, IReadOnlyList<ManifestOutput> deleted, CancellationToken ct)
    {
        var manifest = new Dictionary<string, object>
        {
            ["transactionTime"] = _transactionTime,
            ["request"] = _request,
            ["requiresAccessToken"] = false,
            ["output"] = outputs.Select(o => new { type = o.Type, url = o.Url, count = o.Count }),
            ["error"] = Array.Empty<object>(),
        };
        if (deleted.Count > 0)
        {
            // Bulk Data (v2) "deleted": Bundles of DELETE entries for what earlier exports held.
            manifest["deleted"] = deleted.Select(o => new { type = o.Type, url = o.Url, count = o.Count });
        }

        // Streamed to the file: the manifest lists every part of the run, and as one string it would be a large object
        // allocated again for each part.
        return CommitFileAsync(
            Path.Combine(_directory, ManifestName),
            async (writer, token) =>
            {
                await JsonSerializer.SerializeAsync(writer.BaseStream, manifest, ManifestJson, token);
                await writer.WriteLineAsync(ReadOnlyMemory<char>.Empty, token);
            },
            replace: true,
            ct);
    }

    /// <summary>
    /// Writes <paramref name="path"/> under a temporary name (<c>.{name}.tmp</c>), flushes it to the disk (fsync) and
    /// renames it, so the name only ever holds complete content; on failure the temporary file is removed.
    /// </summary>
    private static async Task CommitFileAsync(string path, Func<StreamWriter, CancellationToken, Task> write, bool replace, CancellationToken ct)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".tmp");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16, useAsync: true))
            {
                await using var writer = new StreamWriter(stream, Utf8, leaveOpen: true) { NewLine = "\n" };
                await write(writer, ct);
                await writer.FlushAsync(ct);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: replace);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// The cause without the path: on Unix .NET reports an errno as "{strerror} : '{path}'" (for ENOSPC "No space left
    /// on device : '/x/.Observation.0003.ndjson.tmp'"), and the message names the folder already.
    /// </summary>
    private static string Cause(Exception ex)
    {
        var message = ex.Message.ReplaceLineEndings(" ");
        var at = message.LastIndexOf(" : '", StringComparison.Ordinal);
        return ex is IOException && at > 0 && message.EndsWith('\'') ? message[..at] : message;
    }

    private static bool TryDelete(string file)
    {
        try
        {
            File.Delete(file);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void TryDeleteEmptyDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: an empty run folder lists nothing and misleads no one.
        }
    }

    [GeneratedRegex("^[A-Za-z0-9\\-\\.]{1,64}$")]
    private static partial Regex FhirId();

    [GeneratedRegex("^[0-9]{8}T[0-9]{6}Z-run[0-9]+$")]
    private static partial Regex RunFolder();

    [GeneratedRegex("^[A-Za-z]+\\.[0-9]{4,}\\.ndjson$")]
    private static partial Regex PartFile();

    [GeneratedRegex("^\\..+\\.tmp$")]
    private static partial Regex TempFile();

    private sealed record ManifestOutput(string Type, string Url, int Count);
}
