using MndFhir.Sync.Delivery.Authentication;

namespace MndFhir.Sync.Configuration;

/// <summary>
/// The credentials of a destination, checked before anything runs: the files exist, lie outside any git working tree
/// (a secret in a repository is a secret published), private keys are not readable by other users, the variables are
/// set, and the key and certificates can be used as configured. Each problem is one line naming the key.
/// </summary>
internal static class CredentialCheck
{
    public static void Check(string path, DestinationOptions destination, List<string> problems)
    {
        var before = problems.Count;
        foreach (var (key, file) in destination.CredentialFiles())
        {
            if (!File.Exists(file))
            {
                problems.Add($"{path}:{key}: the file {file} does not exist");
            }
            else if (RepositoryOf(file) is { } repository)
            {
                problems.Add($"{path}:{key}: {file} lies in the git working tree {repository}; keep keys and certificates outside any repository");
            }
            else if (key is nameof(DestinationOptions.PrivateKeyFile) or nameof(DestinationOptions.ClientCertificateKeyFile) && ReadableByOthers(file))
            {
                problems.Add($"{path}:{key}: {file} can be read by other users of this machine; make it readable by this user only (chmod 600)");
            }
        }

        if (destination.Auth == AuthKind.SmartBackendServices && destination.PrivateKeyVariable is { Length: > 0 } variable && SecretVariables.Read(variable) is null)
        {
            problems.Add($"{path}:PrivateKeyVariable: the environment variable {variable} is not set (it holds the private key of '{destination.Name}')");
        }

        if (destination.ClientCertificatePasswordVariable is { Length: > 0 } password && Environment.GetEnvironmentVariable(password) is null)
        {
            problems.Add($"{path}:ClientCertificatePasswordVariable: the environment variable {password} is not set (it holds the certificate password of '{destination.Name}')");
        }

        if (problems.Count > before)
        {
            return;
        }

        try
        {
            if (destination.Auth == AuthKind.SmartBackendServices && !string.IsNullOrWhiteSpace(destination.KeyId)
                && !string.IsNullOrWhiteSpace(destination.PrivateKeyFile) != !string.IsNullOrWhiteSpace(destination.PrivateKeyVariable))
            {
                SmartSigningKey.Load(destination).Dispose();
            }

            if (!string.IsNullOrWhiteSpace(destination.ClientCertificateFile))
            {
                DestinationTls.LoadClientCertificate(destination).Dispose();
            }

            if (!string.IsNullOrWhiteSpace(destination.ServerCaFile))
            {
                DestinationTls.LoadAuthorities(destination);
            }
        }
        catch (ConfigurationException ex)
        {
            problems.Add($"{path}: {ex.Message}");
        }
    }

    /// <summary>
    /// A file that holds a secret the adapter reads itself (a registry's pseudonym key): outside any git working tree,
    /// readable by this user only, as the private keys. A missing file is reported where the key is read.
    /// </summary>
    public static void CheckSecretFile(string path, string key, string file, List<string> problems)
    {
        if (!File.Exists(file))
        {
            return;
        }

        if (RepositoryOf(file) is { } repository)
        {
            problems.Add($"{path}:{key}: {file} lies in the git working tree {repository}; keep keys outside any repository");
        }
        else if (ReadableByOthers(file))
        {
            problems.Add($"{path}:{key}: {file} can be read by other users of this machine; make it readable by this user only (chmod 600)");
        }
    }

    /// <summary>The git working tree holding <paramref name="file"/>, if any.</summary>
    private static string? RepositoryOf(string file)
    {
        for (var dir = new FileInfo(file).Directory; dir is not null; dir = dir.Parent)
        {
            var git = Path.Combine(dir.FullName, ".git");
            if (Directory.Exists(git) || File.Exists(git))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static bool ReadableByOthers(string file) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(file) & (UnixFileMode.OtherRead | UnixFileMode.GroupRead)) != 0;
}
