using System.Diagnostics;

namespace MndFhir.IntegrationTests.Infrastructure;

/// <summary>
/// A small tmpfs mounted on a test's folder, to fill a real file system on demand (Linux, root); unmounted on dispose.
/// <c>mount -o remount,size=…</c> gives it room while keeping its files, as an operator freeing space would.
/// </summary>
internal sealed class Tmpfs : IDisposable
{
    private Tmpfs(string folder) => Folder = folder;

    public string Folder { get; }

    /// <summary>Why tmpfs tests cannot run here, or null when they can (probed once by mounting a 1 MB tmpfs).</summary>
    public static string? Unavailable { get; } = Probe();

    public static Tmpfs Mount(string folder, string size)
    {
        Directory.CreateDirectory(folder);
        Run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", folder);
        return new Tmpfs(folder);
    }

    public void Resize(string size) => Run("mount", "-o", "remount,size=" + size, Folder);

    public void Dispose()
    {
        if (TryRun("umount", Folder) is not null)
        {
            // A file still open (a test that failed midway): detach now, the kernel frees it when closed.
            TryRun("umount", "-l", Folder);
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "tmpfs needs Linux.";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "mounting a tmpfs needs root; run the tests as root (e.g. in a container) to include this test.";
        }

        var folder = Path.Combine(Path.GetTempPath(), "mndfhir-tmpfs-probe-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            var failure = TryRun("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", folder);
            if (failure is not null)
            {
                return "mount -t tmpfs failed (" + failure + "); a container needs CAP_SYS_ADMIN for it.";
            }

            TryRun("umount", folder);
            return null;
        }
        finally
        {
            Directory.Delete(folder);
        }
    }

    private static void Run(params string[] command)
    {
        if (TryRun(command) is { } failure)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} failed: {failure}");
        }
    }

    /// <summary>Runs the command; null when it succeeded, else what it said.</summary>
    private static string? TryRun(params string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"exit {process.ExitCode}: {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return ex.Message;
        }
    }
}
