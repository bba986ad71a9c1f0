using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MndFhir.Tests;
using MndFhir.Validation;

namespace MndFhir.Benchmarks;

/// <summary>
/// `e2e EXPORT CLI`: a first sync of an export to the test FHIR server (Medplum's engine, tests/fhir-server) by the
/// adapter, versus the same server, fresh, ingesting the identical requests posted one after another by a plain
/// keep-alive HttpClient. Five such pairs run, alternating, and the median pair is the figure. Both go through one
/// recording pass-through proxy on loopback, so both pay its cost. The adapter's figure is its run's own elapsed time
/// (import and process start-up excluded), in a process that finds the core definitions kept as JSON (as every process
/// but the first on a machine does); the first process's figure is printed beside it.
/// </summary>
internal static partial class EndToEnd
{
    /// <summary>How many adapter / plain client pairs are run (alternating, each on fresh servers); the median is the figure.</summary>
    private const int Pairs = 5;

    public static async Task<int> RunAsync(string[] args)
    {
        var export = Path.GetFullPath(args.Length > 0 ? args[0] : Path.Combine(RepositoryPaths.Samples, "clinic-export"));
        var cli = Path.GetFullPath(args.Length > 1 ? args[1] : throw new ArgumentException("usage: e2e EXPORT CLI"));
        var definitions = Directory.CreateTempSubdirectory("mndfhir-e2e-definitions-").FullName;
        var recorded = new List<Recorded>();
        var server = await NodeServer.StartAsync();
        await using var proxy = await Proxy.StartAsync(() => server.BaseUrl, recorded);
        try
        {
            // The first process on a machine reads the core definitions from the specification zip and keeps them as
            // JSON (CoreDefinitions); every later one reads them from there. Each run: a fresh server and database.
            var (cold, _) = await AdapterRunAsync(cli, export, definitions, proxy);

            // Then pairs, alternating: the adapter, and the same requests it made posted to a fresh server by a plain
            // client. On a busy machine one pair can be off by seconds either way; the median pair is the figure.
            var pairs = new List<(TimeSpan Adapter, TimeSpan Plain)>();
            var resources = 0;
            for (var i = 0; i < Pairs; i++)
            {
                server.Dispose();
                server = await NodeServer.StartAsync();
                var (adapter, count) = await AdapterRunAsync(cli, export, definitions, proxy);
                resources = count;
                server.Dispose();
                server = await NodeServer.StartAsync();
                pairs.Add((adapter, await PlainRunAsync(proxy, recorded)));
            }

            var ordered = pairs.OrderBy(p => p.Plain / p.Adapter).ToList();
            var ratios = ordered.Select(p => p.Plain / p.Adapter);
            var (median, raw) = ordered[Pairs / 2];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"first sync to the test FHIR server (resources/s)",-58} {resources / median.TotalSeconds,14:N0} {resources / raw.TotalSeconds,14:N0} {raw / median,7:0.00}  goal >= 0.80; median of {Pairs} pairs (ratios {string.Join(", ", ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}); {resources:N0} resources in {recorded.Count} requests: adapter {median.TotalSeconds:0.0} s, plain client {raw.TotalSeconds:0.0} s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"  the same, first process on the machine (resources/s)",-58} {resources / cold.TotalSeconds,14:N0} {resources / raw.TotalSeconds,14:N0} {raw / cold,7:0.00}  core definitions read from the specification zip: adapter {cold.TotalSeconds:0.0} s"));
            return 0;
        }
        finally
        {
            server.Dispose();
            Directory.Delete(definitions, recursive: true);
        }
    }

    /// <summary>Posts the recorded requests, one after another, through the proxy by a plain keep-alive HttpClient.</summary>
    private static async Task<TimeSpan> PlainRunAsync(Proxy proxy, List<Recorded> recorded)
    {
        using var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var plain = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromMinutes(5) };
        var requests = recorded.ToList();
        var timer = Stopwatch.StartNew();
        foreach (var r in requests)
        {
            using var request = new HttpRequestMessage(new HttpMethod(r.Method), new Uri(new Uri(proxy.Address), r.PathAndQuery));
            if (r.Body is not null)
            {
                request.Content = new ByteArrayContent(r.Body);
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(r.ContentType ?? "application/fhir+json");
            }

            using var response = await plain.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
        }

        return timer.Elapsed;
    }

    /// <summary>Imports the export into a new database and times `mndfhir sync --all` to the server behind the proxy, recording its requests.</summary>
    private static async Task<(TimeSpan Elapsed, int Resources)> AdapterRunAsync(string cli, string export, string definitions, Proxy proxy)
    {
        var work = Directory.CreateTempSubdirectory("mndfhir-e2e-").FullName;
        try
        {
            var config = Path.Combine(work, "mndfhir.json");
            await File.WriteAllTextAsync(config, new JsonObject
            {
                ["Clinic"] = new JsonObject { ["IdentifierSystem"] = "https://mndfhir.example.org/fhir/sid/demo-clinic", ["MappingsPath"] = RepositoryPaths.Mappings, ["ExportPath"] = export },
                ["Database"] = new JsonObject { ["Provider"] = "Sqlite", ["ConnectionString"] = $"Data Source={Path.Combine(work, "mndfhir.db")}" },
                ["Logging"] = new JsonObject { ["Folder"] = Path.Combine(work, "logs") },
                ["Destinations"] = new JsonArray(new JsonObject { ["Name"] = "hospital", ["Kind"] = "FhirRest", ["BaseUrl"] = proxy.Address + "fhir/R4/" }),
            }.ToJsonString());
            await RunCliAsync(cli, config, definitions, "import", "--from", export);
            proxy.Clear();
            proxy.Recording = true;
            var output = await RunCliAsync(cli, config, definitions, "sync", "--all");
            proxy.Recording = false;
            return RunElapsed().Match(output) is { Success: true } m
                ? (TimeSpan.FromSeconds(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)), int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
                : throw new InvalidOperationException("no run figures in: " + output);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<string> RunCliAsync(string cli, string config, string definitions, params string[] args)
    {
        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment[CoreDefinitions.FolderVariable] = definitions;
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(config);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"mndfhir {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        }

        return await stdout;
    }

    [GeneratedRegex(@"\(run \d+\): (\d+) resources considered.*?, ([0-9.]+) s")]
    private static partial Regex RunElapsed();

    private sealed record Recorded(string Method, string PathAndQuery, string? ContentType, byte[]? Body);

    /// <summary>Kestrel on 127.0.0.1 passing every request to the FHIR server, keeping a copy while recording.</summary>
    private sealed class Proxy : IAsyncDisposable
    {
        private WebApplication _app = null!;
        private List<Recorded> _recorded = null!;

        public string Address { get; private set; } = string.Empty;

        public bool Recording { get; set; }

        public void Clear()
        {
            lock (_recorded)
            {
                _recorded.Clear();
            }
        }

        public static async Task<Proxy> StartAsync(Func<Uri> target, List<Recorded> recorded)
        {
            var proxy = new Proxy { _recorded = recorded };
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Services.AddHttpClient("target").ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler()).ConfigureHttpClient(c => c.Timeout = TimeSpan.FromMinutes(5));
            var app = builder.Build();
            app.Run(async context =>
            {
                var request = context.Request;
                byte[]? body = null;
                if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
                {
                    using var buffer = new MemoryStream();
                    await request.Body.CopyToAsync(buffer);
                    body = buffer.ToArray();
                }

                var pathAndQuery = request.Path + request.QueryString;
                if (proxy.Recording)
                {
                    lock (recorded)
                    {
                        recorded.Add(new Recorded(request.Method, pathAndQuery.TrimStart('/'), request.ContentType, body));
                    }
                }

                var root = target();
                using var forward = new HttpRequestMessage(new HttpMethod(request.Method), new Uri($"{root.Scheme}://{root.Authority}{pathAndQuery}"));
                if (body is not null)
                {
                    forward.Content = new ByteArrayContent(body);
                    forward.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType ?? "application/fhir+json");
                }

                foreach (var header in new[] { "Accept", "Prefer", "If-Match", "If-None-Exist" })
                {
                    if (request.Headers.TryGetValue(header, out var value))
                    {
                        forward.Headers.TryAddWithoutValidation(header, value.ToArray());
                    }
                }

                var client = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("target");
                using var answer = await client.SendAsync(forward, context.RequestAborted);
                context.Response.StatusCode = (int)answer.StatusCode;
                foreach (var header in answer.Headers.Concat(answer.Content.Headers))
                {
                    if (header.Key is "Content-Type" or "Location" or "ETag" or "Last-Modified" or "Retry-After")
                    {
                        context.Response.Headers[header.Key] = header.Value.ToArray();
                    }
                }

                await answer.Content.CopyToAsync(context.Response.Body);
            });
            await app.StartAsync();
            proxy._app = app;
            proxy.Address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/";
            return proxy;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>The test FHIR server (tests/fhir-server), on a free loopback port.</summary>
    private sealed class NodeServer : IDisposable
    {
        private Process _process = null!;

        public Uri BaseUrl { get; private set; } = null!;

        public static async Task<NodeServer> StartAsync()
        {
            var start = new ProcessStartInfo("node") { WorkingDirectory = Path.Combine(RepositoryPaths.Root, "tests", "fhir-server"), RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("--experimental-websocket");
            start.ArgumentList.Add("server.mjs");
            start.Environment["PORT"] = "0";
            var server = new NodeServer { _process = Process.Start(start)! };
            _ = server._process.StandardError.ReadToEndAsync();
            while (await server._process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
                {
                    server.BaseUrl = new Uri($"http://127.0.0.1:{line["LISTENING ".Length..].Trim()}/fhir/R4/");
                    _ = server._process.StandardOutput.ReadToEndAsync();
                    return server;
                }
            }

            throw new InvalidOperationException("the test FHIR server did not start (run npm ci in tests/fhir-server)");
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }

            _process.Dispose();
        }
    }
}
