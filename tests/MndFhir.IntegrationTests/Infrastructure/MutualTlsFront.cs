using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MndFhir.IntegrationTests.Infrastructure;

/// <summary>
/// A real Kestrel on https://127.0.0.1 that requires a client certificate issued by the test's authority (the TLS
/// handshake fails without one) and passes the requests it accepts to the real FHIR test server.
/// </summary>
public sealed class MutualTlsFront : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly LoopbackForwarder _forwarder;
    private readonly X509Certificate2 _serverCertificate;
    private int _accepted;

    private MutualTlsFront(WebApplication app, Uri upstream, X509Certificate2 serverCertificate)
    {
        _app = app;
        _forwarder = new LoopbackForwarder(upstream);
        _serverCertificate = serverCertificate;
    }

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Requests that came with an accepted client certificate.</summary>
    public int Accepted => _accepted;

    public string? LastClientSubject { get; private set; }

    public static async Task<MutualTlsFront> StartAsync(Uri upstream, TestCertificates authority)
    {
        var serverCertificate = authority.IssueServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = serverCertificate,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (certificate, _, _) => authority.Issued(certificate),
        })));
        var app = builder.Build();
        var front = new MutualTlsFront(app, upstream, serverCertificate);
        app.Run(async context =>
        {
            Interlocked.Increment(ref front._accepted);
            front.LastClientSubject = context.Connection.ClientCertificate?.Subject;
            await front._forwarder.ForwardAsync(context);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        front.BaseUrl = new Uri(address + upstream.AbsolutePath);
        return front;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _forwarder.Dispose();
        _serverCertificate.Dispose();
    }
}
