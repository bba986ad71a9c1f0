using System.Diagnostics;

namespace MndFhir.IntegrationTests.Infrastructure;

/// <summary>The built `mndfhir` command as a separate process, as an operator (or a scheduler) runs it.</summary>
internal static class MndFhirProcess
{
    public static Process Start(string config, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "mndfhir.dll") }.Concat(args).Concat(["--config", config]))
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start)!;
    }

    public static async Task<(int Exit, string Output, string Error)> RunAsync(string config, string[] args, CancellationToken ct)
    {
        using var process = Start(config, args);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout, await stderr);
    }
}
