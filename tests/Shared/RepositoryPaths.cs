using System.Reflection;

namespace MndFhir.Tests;

/// <summary>
/// Finds the repository's files from a test: the build records the repository root in the test assembly
/// (Directory.Build.props), so tests find mappings/ and samples/ wherever their output folder is.
/// </summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Mappings => Path.Combine(Root, "mappings");

    public static string Samples => Path.Combine(Root, "samples");

    /// <summary>Copies the repository's mappings folder to <paramref name="target"/>, for a test to break a copy.</summary>
    public static string CopyMappings(string target)
    {
        foreach (var file in Directory.GetFiles(Mappings, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(Mappings, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        return target;
    }

    private static string FindRoot()
    {
        var built = typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (built is not null && File.Exists(Path.Combine(built, "MndFhir.sln")))
        {
            return Path.GetFullPath(built);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MndFhir.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MndFhir.sln not found above " + AppContext.BaseDirectory);
    }
}
