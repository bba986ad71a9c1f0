using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using MndFhir.Serialization;
using Task = System.Threading.Tasks.Task;

namespace MndFhir.Validation;

/// <summary>
/// The FHIR R4 core definitions the validator reads (StructureDefinitions, ValueSets, CodeSystems), kept as JSON files
/// in a folder beside the specification, one file per uri, as they were first read from the specification zip
/// (<see cref="FirelyResourceValidator"/> drops their documentation). A process that finds every definition it needs
/// there never opens the zip.
/// <para>
/// Why: reading the zip costs a new process most of the Firely validator's start (decision 0012). Its index scans 50 MB
/// of XML (about 1.5 s), and each definition is then parsed from XML (the Patient schema's 30 definitions take 2.2 s
/// of a 2.6 s first validation). The same definitions from JSON take a small part of that. The folder depends only
/// on the specification zip (its SHA-256 names it) and on this class's <see cref="Version"/>, never on the clinic's
/// data, so what one process writes is exactly what any other would read from the zip.
/// </para>
/// </summary>
public sealed class CoreDefinitions : IAsyncResourceResolver
{
    /// <summary>Raise when what is kept of a definition changes (<see cref="FirelyResourceValidator"/>'s Detached).</summary>
    public const int Version = 1;

    /// <summary>The environment variable that moves the folder (a path) or turns it off ("off").</summary>
    public const string FolderVariable = "MNDFHIR_DEFINITIONS_CACHE";

    /// <summary>What the zip answers for a uri it does not hold (the validator asks for FHIRPath's System types, for one).</summary>
    private static readonly string[] Absent = [ResolverException.NOT_FOUND, ResolverException.ARTIFACT_SUMMARY_NO_MATCH];

    /// <summary>The start of a file that says the zip does not hold the uri; the zip's error code follows.</summary>
    private static readonly byte[] AbsentMark = "absent from the specification: "u8.ToArray();

    /// <summary>
    /// The first 16 hex digits of the zip's SHA-256, once per process (each validator asks, and there may be two): the
    /// zip is the Firely package's own file and does not change while the process runs.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> ZipHashes = new(StringComparer.Ordinal);

    private readonly Lazy<IAsyncResourceResolver> _zip;
    private readonly Func<Resource, Resource> _keep;
    private readonly string? _folder;
    private int _fromZip;

    /// <param name="zip">The specification zip's source, made only when a definition is not in the folder.</param>
    /// <param name="keep">What is kept of a definition read from the zip (the same for the folder and for this process).</param>
    /// <param name="folder">The folder; null reads the zip every time.</param>
    public CoreDefinitions(Func<IAsyncResourceResolver> zip, Func<Resource, Resource> keep, string? folder)
    {
        _zip = new Lazy<IAsyncResourceResolver>(zip, LazyThreadSafetyMode.ExecutionAndPublication);
        _keep = keep;
        _folder = folder;
    }

    /// <summary>The folder this process reads and fills, or null when it is off or cannot be made.</summary>
    public string? Folder => _folder;

    /// <summary>How many definitions this instance read from the zip (none once the folder holds what validation needs).</summary>
    public int FromZip => Volatile.Read(ref _fromZip);

    /// <summary>Whether the zip was opened (its index built).</summary>
    public bool ZipOpened => _zip.IsValueCreated;

    /// <summary>
    /// The folder for <paramref name="specificationZip"/>: under <see cref="FolderVariable"/> when set, else in the
    /// user's local application data (~/.local/share/MndFhir on Linux), else in the temporary folder; null when turned
    /// off or when no folder can be made (the zip is then read every time).
    /// </summary>
    public static string? FolderFor(string specificationZip)
    {
        var setting = Environment.GetEnvironmentVariable(FolderVariable);
        if (string.Equals(setting, "off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var root = !string.IsNullOrWhiteSpace(setting) ? setting
            : Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify) is { Length: > 0 } local
                ? Path.Combine(local, "MndFhir")
                : Path.Combine(Path.GetTempPath(), $"MndFhir-{Environment.UserName}");
        try
        {
            var folder = Path.Combine(root, $"fhir-r4-definitions-{ZipHashes.GetOrAdd(specificationZip, HashOf)}-v{Version}");

            // Only this user may write what the validator will trust.
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            return folder;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string HashOf(string zip)
    {
        using var stream = File.OpenRead(zip);
        return Convert.ToHexStringLower(SHA256.HashData(stream))[..16];
    }

    public Task<ResolverResult> TryResolveByCanonicalUriAsync(string uri) => ResolveAsync("canonical " + uri, z => z.TryResolveByCanonicalUriAsync(uri));

    public Task<ResolverResult> TryResolveByUriAsync(string uri) => ResolveAsync("uri " + uri, z => z.TryResolveByUriAsync(uri));

    [Obsolete("Use TryResolveByUriAsync")]
    public async Task<Resource?> ResolveByUriAsync(string uri) => (await TryResolveByUriAsync(uri)).Value;

    [Obsolete("Use TryResolveByCanonicalUriAsync")]
    public async Task<Resource?> ResolveByCanonicalUriAsync(string uri) => (await TryResolveByCanonicalUriAsync(uri)).Value;

    private async Task<ResolverResult> ResolveAsync(string key, Func<IAsyncResourceResolver, Task<ResolverResult>> fromZip)
    {
        var file = _folder is null ? null : Path.Combine(_folder, Convert.ToHexStringLower(XxHash128.Hash(Encoding.UTF8.GetBytes(key))) + ".json");
        if (file is not null && Read(file, key) is { } kept)
        {
            return kept;
        }

        var result = await fromZip(_zip.Value);
        Interlocked.Increment(ref _fromZip);
        if (result.Success && result.Value is { } found)
        {
            var resource = _keep(found);
            if (file is not null)
            {
                Write(file, Encoding.UTF8.GetBytes(FhirJson.Serialize(resource)));
            }

            return new ResolverResult(resource);
        }

        // Only "the specification has no such definition" is kept: any other failure is tried again next time.
        if (file is not null && result.Error?.ErrorCode is { } code && Absent.Contains(code))
        {
            Write(file, [.. AbsentMark, .. Encoding.UTF8.GetBytes(code)]);
        }

        return result;
    }

    /// <summary>The definition kept in <paramref name="file"/>; null when there is none or it cannot be read (it is then read from the zip and written again).</summary>
    private static ResolverResult? Read(string file, string key)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (bytes.AsSpan().StartsWith(AbsentMark))
        {
            var code = Encoding.UTF8.GetString(bytes.AsSpan(AbsentMark.Length));
            if (Absent.Contains(code))
            {
                return new ResolverResult(new ResolverException(code, $"Not in the FHIR R4 specification: {key}"));
            }

            return null;
        }

        try
        {
            return new ResolverResult(FhirJson.Deserialize<Resource>(Encoding.UTF8.GetString(bytes)));
        }
        catch (Exception ex) when (ex is JsonException or Hl7.Fhir.Serialization.DeserializationFailedException or FormatException or InvalidCastException)
        {
            return null;
        }
    }

    /// <summary>Writes a whole file or nothing: a reader sees the old file, no file, or the new one, never a part.</summary>
    private static void Write(string file, byte[] bytes)
    {
        var temporary = $"{file}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, file, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A folder that cannot be written (read-only, full) costs only speed: the zip is read next time.
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // Left for the next write to the same file to replace; it is never read (".tmp").
            }
        }
    }
}
