using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Service.Api;

namespace MndFhir.Service.Security;

/// <summary>
/// The one check of where the service listens: it wraps Kestrel's transports, so every address Kestrel is about to bind
/// passes <see cref="ApiKey.EnsureMayListenOn"/> first, whichever way it was configured (--urls, Service:Urls, Urls,
/// ASPNETCORE_URLS, a Kestrel:Endpoints section in the file or in MNDFHIR__Kestrel__... variables, HTTP_PORTS). Nothing is
/// bound beyond loopback without an API key: the start fails before the socket exists, and Kestrel closes what it had
/// bound before.
/// </summary>
internal static class ListenGuard
{
    /// <summary>Wraps every registered transport; fails closed when there is none to wrap.</summary>
    public static void Install(IServiceCollection services)
    {
        var transports = services.Where(d => d.ServiceType == typeof(IConnectionListenerFactory)).ToList();
        if (transports.Count == 0)
        {
            throw new InvalidOperationException("Kestrel's socket transport is not registered: the listening guard has nothing to wrap.");
        }

        foreach (var descriptor in transports)
        {
            services.Remove(descriptor);
            services.AddSingleton<IConnectionListenerFactory>(sp =>
                new GuardedTransport((IConnectionListenerFactory)Create(sp, descriptor), sp.GetRequiredService<ApiKey>()));
        }

        foreach (var descriptor in services.Where(d => d.ServiceType == typeof(IMultiplexedConnectionListenerFactory)).ToList())
        {
            services.Remove(descriptor);
            services.AddSingleton<IMultiplexedConnectionListenerFactory>(sp =>
                new GuardedMultiplexedTransport((IMultiplexedConnectionListenerFactory)Create(sp, descriptor), sp.GetRequiredService<ApiKey>()));
        }
    }

    private static object Create(IServiceProvider sp, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance
        ?? descriptor.ImplementationFactory?.Invoke(sp)
        ?? ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!);

    private sealed class GuardedTransport(IConnectionListenerFactory inner, ApiKey key) : IConnectionListenerFactory, IConnectionListenerFactorySelector
    {
        public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
        {
            key.EnsureMayListenOn(endpoint);
            return inner.BindAsync(endpoint, cancellationToken);
        }

        public bool CanBind(EndPoint endpoint) => inner is not IConnectionListenerFactorySelector selector || selector.CanBind(endpoint);
    }

    private sealed class GuardedMultiplexedTransport(IMultiplexedConnectionListenerFactory inner, ApiKey key) : IMultiplexedConnectionListenerFactory, IConnectionListenerFactorySelector
    {
        public ValueTask<IMultiplexedConnectionListener> BindAsync(EndPoint endpoint, IFeatureCollection? features = null, CancellationToken cancellationToken = default)
        {
            key.EnsureMayListenOn(endpoint);
            return inner.BindAsync(endpoint, features, cancellationToken);
        }

        public bool CanBind(EndPoint endpoint) => inner is not IConnectionListenerFactorySelector selector || selector.CanBind(endpoint);
    }
}
