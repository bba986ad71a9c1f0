using System.Diagnostics;

namespace MndFhir.Cli.Tests;

/// <summary>Runs the built `mndfhir` command as a separate process, as an operator would.</summary>
internal static class CliProcess
{
    public static string RepositoryRoot => RepositoryPaths.Root;

    public static Task<(int ExitCode, string Output, string Error)> RunAsync(string workingDirectory, params string[] args) =>
        RunAsync(workingDirectory, new Dictionary<string, string?>(), args);

    /// <summary>Runs the command with <paramref name="environment"/> added to (or, for null values, removed from) this process's environment.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var process = Start(workingDirectory, environment, args);
        return await WaitAsync(process);
    }

    /// <summary>Starts the command; <see cref="WaitAsync"/> reads its output and waits for its end (what it writes before must fit the pipes).</summary>
    public static Process Start(string workingDirectory, params string[] args) => Start(workingDirectory, new Dictionary<string, string?>(), args);

    /// <summary>Waits (at most five minutes) for a command <see cref="Start(string, string[])"/> started, and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> WaitAsync(Process process)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Starts the command with these environment variables set (a null value removes one).</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        Start(workingDirectory, environment, interruptible: false, args);

    /// <summary>
    /// Starts the command with SIGINT and SIGTERM at their default disposition, as a shell's foreground command has them,
    /// whatever this test process inherited: a test runner started as a background job of a non-interactive shell
    /// ignores SIGINT, its children inherit that, and a .NET process keeps an ignored SIGINT ignored (a Ctrl-C test then
    /// waited for the destination's 120 s timeout and saw exit 4).
    /// </summary>
    public static Process StartInterruptible(string workingDirectory, params string[] args) =>
        Start(workingDirectory, new Dictionary<string, string?>(), interruptible: true, args);

    /// <inheritdoc cref="StartInterruptible(string, string[])"/>
    public static Process StartInterruptible(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        Start(workingDirectory, environment, interruptible: true, args);

    private static Process Start(string workingDirectory, IReadOnlyDictionary<string, string?> environment, bool interruptible, string[] args)
    {
        var start = new ProcessStartInfo(interruptible ? "env" : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        if (interruptible)
        {
            // GNU env (coreutils 8.31+): reset the dispositions, then run dotnet in the same process.
            start.ArgumentList.Add("--default-signal=INT,TERM");
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mndfhir.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start)!;
    }
}
