namespace MndFhir.IntegrationTests;

internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
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
