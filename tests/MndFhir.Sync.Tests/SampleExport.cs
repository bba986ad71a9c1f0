namespace MndFhir.Sync.Tests;

/// <summary>Exports cut from the samples.</summary>
internal static class SampleExport
{
    /// <summary>Writes into <paramref name="export"/> the samples' first <paramref name="patients"/> patients, with their treatments and assessments.</summary>
    public static void WriteFirstPatients(string export, int patients)
    {
        Directory.CreateDirectory(export);
        var samples = Path.Combine(RepositoryPaths.Samples, "clinic-export");
        var ids = File.ReadLines(Path.Combine(samples, "patients.csv")).Skip(1).Take(patients).Select(l => l.Split(',')[0]).ToHashSet(StringComparer.Ordinal);
        foreach (var (file, column) in new[] { ("patients.csv", 0), ("treatments.csv", 1), ("assessments.csv", 1) })
        {
            var lines = File.ReadLines(Path.Combine(samples, file)).ToList();
            File.WriteAllLines(Path.Combine(export, file), lines.Take(1).Concat(lines.Skip(1).Where(l => ids.Contains(l.Split(',')[column]))));
        }
    }
}
