using System.Diagnostics;

namespace MndFhir.IntegrationTests.Infrastructure;

/// <summary>
/// Debian's headless Chromium (package chromium; tests/run.sh installs it when missing), driven from its command line:
/// the DOM of a page after its scripts ran, and a screenshot.
/// </summary>
internal static class Chromium
{
    public static string? Executable { get; } = Find();

    public static async Task<string> DumpDomAsync(Uri page, string profile, CancellationToken ct)
    {
        var (exit, output, error) = await RunAsync(profile, ct, "--dump-dom", page.ToString());
        Assert.True(exit == 0, $"chromium --dump-dom exited {exit}: {error}");
        return output;
    }

    public static async Task ScreenshotAsync(Uri page, string file, string profile, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.Delete(file);
        var (exit, _, error) = await RunAsync(profile, ct, "--hide-scrollbars", "--window-size=1200,2600", "--screenshot=" + file, page.ToString());
        Assert.True(exit == 0 && File.Exists(file), $"chromium --screenshot exited {exit}: {error}");
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string profile, CancellationToken ct, params string[] args)
    {
        var start = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("chromium is not installed"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile, .. args])
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }

    private static string? Find()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return new[] { "chromium", "chromium-browser" }
            .SelectMany(name => path.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);
    }
}
