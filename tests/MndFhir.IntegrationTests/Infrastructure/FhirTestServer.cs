using System.Diagnostics;
using System.Text;

namespace MndFhir.IntegrationTests.Infrastructure;

/// <summary>
/// The real FHIR server of the integration tests: Medplum's FHIR engine behind the Node front in tests/fhir-server,
/// started on a free loopback port for the test class and stopped after it. Installs its npm packages on first use.
/// </summary>
public sealed class FhirTestServer : IAsyncLifetime
{
    private static readonly SemaphoreSlim NpmInstall = new(1, 1);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly StringBuilder _stderr = new();
    private Process? _process;

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1:0/fhir/R4/");

    public static string Folder => Path.Combine(RepositoryPaths.Root, "tests", "fhir-server");

    public async Task InitializeAsync()
    {
        await EnsurePackagesAsync();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--experimental-websocket");
        start.ArgumentList.Add("server.mjs");
        start.Environment["PORT"] = "0";
        _process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started");
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                if (_stderr.Length < 20_000)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(StartTimeout);
        try
        {
            while (await _process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
                {
                    BaseUrl = new Uri($"http://127.0.0.1:{line["LISTENING ".Length..].Trim()}/fhir/R4/");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new InvalidOperationException($"The FHIR test server did not start within {StartTimeout.TotalSeconds} s. Its stderr:\n{Stderr()}");
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>How many resources of a type the server holds (FHIR search with <c>_summary=count</c>).</summary>
    public async Task<int> CountAsync(string resourceType, string? query, CancellationToken ct)
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync(new Uri(BaseUrl, $"{resourceType}?_summary=count{(query is null ? string.Empty : "&" + query)}"), ct);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("total").GetInt32();
    }

    private string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.ToString();
        }
    }

    private static async Task EnsurePackagesAsync()
    {
        if (Directory.Exists(Path.Combine(Folder, "node_modules", "@medplum", "fhir-router")))
        {
            return;
        }

        // Test classes may start servers in parallel: one npm ci at a time. A semaphore, not a Mutex: a Mutex must be
        // released by the thread that took it, and the awaits below may resume on another.
        if (!await NpmInstall.WaitAsync(TimeSpan.FromMinutes(5)))
        {
            throw new TimeoutException("another test class has been installing the test FHIR server's npm packages for 5 minutes");
        }

        try
        {
            if (Directory.Exists(Path.Combine(Folder, "node_modules", "@medplum", "fhir-router")))
            {
                return;
            }

            var npm = new ProcessStartInfo("npm") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" })
            {
                npm.ArgumentList.Add(a);
            }

            using var process = Process.Start(npm)!;
            var error = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci in {Folder} failed: {await error}");
            }
        }
        finally
        {
            NpmInstall.Release();
        }
    }
}
