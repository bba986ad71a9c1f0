using System.Diagnostics;

namespace MndFhir.Data;

/// <summary>
/// Who holds a lease: <c>{machine}:{process id}:{random}</c>. A holder that was a process on this machine which no
/// longer runs (killed, crashed) is known to be dead at once; a holder on another machine is trusted until its lease
/// expires.
/// </summary>
public static class LeaseHolder
{
    public static string New() => $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>The process id of a holder on this machine that no longer runs; null for a live or a remote holder.</summary>
    public static int? DeadLocalProcess(string? holder)
    {
        var parts = holder?.Split(':');
        if (parts is not { Length: 3 } || parts[0] != Environment.MachineName || !int.TryParse(parts[1], out var pid) || IsAlive(pid))
        {
            return null;
        }

        return pid;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
