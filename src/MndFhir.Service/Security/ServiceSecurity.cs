using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;

namespace MndFhir.Service.Security;

/// <summary>
/// The service's answers to the outside: forwarded headers only from configured proxies, security headers on every
/// answer, and <see cref="ServiceAccess"/> in front of every staff path (API, its documents, patient pages, dashboard).
/// </summary>
public static class ServiceSecurity
{
    /// <summary>
    /// The dashboard's pages load their scripts, styles and fonts from /hangfire itself and draw charts with inline styles;
    /// nothing else is allowed, and no page may frame them.
    /// </summary>
    public const string DashboardContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The patient pages: their own styles (the SVG plots carry inline styles), nothing loaded from elsewhere.</summary>
    public const string PageContentSecurityPolicy =
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The API reference page (Scalar): its script served by the service, and the inline script that configures it.</summary>
    public const string ReferenceContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>JSON answers need nothing.</summary>
    public const string ApiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

    public static IApplicationBuilder UseMndFhirSecurity(this IApplicationBuilder app, IReadOnlyList<IPAddress> knownProxies)
    {
        if (knownProxies.Count > 0)
        {
            var forwarded = new ForwardedHeadersOptions
            {
                ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
                ForwardLimit = 1,
            };

            // ASP.NET Core trusts loopback proxies unless told otherwise: only the configured ones count.
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var proxy in knownProxies)
            {
                forwarded.KnownProxies.Add(proxy);
            }

            app.UseForwardedHeaders(forwarded);
        }

        app.Use((context, next) =>
        {
            // Read before the dashboard's branch moves "/hangfire" from Path to PathBase.
            var path = context.Request.Path;
            var dashboard = path.StartsWithSegments(ServiceAccess.DashboardPath);
            var policy = dashboard ? DashboardContentSecurityPolicy
                : path.StartsWithSegments("/patients", StringComparison.OrdinalIgnoreCase) ? PageContentSecurityPolicy
                : path.StartsWithSegments("/scalar", StringComparison.OrdinalIgnoreCase) ? ReferenceContentSecurityPolicy
                : ApiContentSecurityPolicy;
            context.Response.OnStarting(() =>
            {
                AddSecurityHeaders(context, dashboard, policy);
                return Task.CompletedTask;
            });
            return next(context);
        });
        app.Use(async (context, next) =>
        {
            if (ServiceAccess.Guards(context.Request.Path)
                && context.RequestServices.GetRequiredService<ServiceAccess>().Refusal(context) is { } refusal)
            {
                if (refusal.Status == StatusCodes.Status401Unauthorized)
                {
                    context.Response.Headers.WWWAuthenticate = context.Request.Path.StartsWithSegments(ServiceAccess.DashboardPath)
                        ? "Basic realm=\"MndFhir\", charset=\"UTF-8\""
                        : "Bearer";
                }

                await Results.Problem(refusal.Reason, statusCode: refusal.Status).ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        return app;
    }

    private static void AddSecurityHeaders(HttpContext context, bool dashboard, string policy)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = policy;
        if (!dashboard || string.IsNullOrEmpty(headers.CacheControl))
        {
            // Answers carry run histories and dead letters: no browser or proxy cache keeps them.
            headers.CacheControl = "no-store";
        }

        if (context.Request.IsHttps)
        {
            headers.StrictTransportSecurity = "max-age=31536000";
        }
    }
}
