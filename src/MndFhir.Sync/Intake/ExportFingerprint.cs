using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using MndFhir.Data;
using MndFhir.Intake;
using MndFhir.Serialization;

namespace MndFhir.Sync.Intake;

/// <summary>
/// What tells one export from another: SHA-256 over the SHA-256s of its three files, in file order. An import records
/// the fingerprint of what it read; the service imports an export whose fingerprint it has not imported before.
/// </summary>
public static class ExportFingerprint
{
    public static string Combine(IEnumerable<string> fileSha256s) => FhirJson.Hash(string.Join('\n', fileSha256s));

    /// <summary>The fingerprint of the export in <paramref name="folder"/>; null when a file is missing or not a regular file.</summary>
    public static async Task<string?> OfAsync(string folder, CancellationToken ct) => (await ReadAsync(folder, ct)).Fingerprint;

    /// <summary>
    /// The fingerprint of the export in <paramref name="folder"/>, or why a file cannot be read as an export file
    /// (<see cref="ExportFileOpener"/>: missing, or not a regular file). Every file is opened before any is read.
    /// </summary>
    public static async Task<(string? Fingerprint, FileProblem? Problem)> ReadAsync(string folder, CancellationToken ct)
    {
        var streams = new List<Stream>(3);
        try
        {
            foreach (var file in Enum.GetValues<ClinicFile>())
            {
                var (opened, problem) = ExportFileOpener.Open(Path.Combine(folder, file.FileName()), file.FileName());
                if (opened is null)
                {
                    return (null, problem);
                }

                streams.Add(opened);
            }

            var hashes = new List<string>(streams.Count);
            foreach (var stream in streams)
            {
                hashes.Add(Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct)));
            }

            return (Combine(hashes), null);
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    /// <summary>The newest import that kept the export of <paramref name="fingerprint"/> (a failed one kept nothing); null when none did.</summary>
    public static Task<long?> ImportedAsync(MndFhirDbContext db, string fingerprint, CancellationToken ct) =>
        db.ImportRuns.AsNoTracking()
            .Where(r => r.Fingerprint == fingerprint && (r.Outcome == ImportOutcome.Succeeded || r.Outcome == ImportOutcome.PartlySucceeded))
            .OrderByDescending(r => r.Id).Select(r => (long?)r.Id).FirstOrDefaultAsync(ct);
}
