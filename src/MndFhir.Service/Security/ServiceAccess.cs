using System.Net;
using Microsoft.AspNetCore.Http;
using MndFhir.Service.Api;

namespace MndFhir.Service.Security;

/// <summary>
/// Who may use the API (/api, with its OpenAPI document and reference page), the patient pages and the dashboard
/// (/hangfire): one decision for all.
/// <list type="bullet">
/// <item>A state-changing request (anything but GET and HEAD) sent by a browser from another origin is refused, whatever
/// credentials it carries: its <c>Origin</c> differs from the service's own, or <c>Sec-Fetch-Site</c> says cross-site or
/// same-site. A browser attaches cached Basic credentials, and a page may POST to a loopback address without any.</item>
/// <item>With an API key, the request carries it (dashboard: also as the Basic password).</item>
/// <item>Without one, only a local caller is served: from a loopback address, with a loopback Host (no DNS rebinding),
/// not relayed by a proxy (an <c>X-Forwarded-For</c> or <c>Forwarded</c> header left over, i.e. not from a configured
/// known proxy, means the real caller is elsewhere).</item>
/// </list>
/// </summary>
public sealed class ServiceAccess(ApiKey key)
{
    public const string DashboardPath = "/hangfire";
    public const string ApiPath = "/api";

    /// <summary>The paths staff use: the API, its OpenAPI document and reference page, the patient pages, the dashboard.</summary>
    public static readonly string[] StaffPaths = [ApiPath, "/openapi", "/scalar", "/patients", DashboardPath];

    public static bool Guards(PathString path) => StaffPaths.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>Null when the request may go on; otherwise the status and reason to answer with.</summary>
    public (int Status, string Reason)? Refusal(HttpContext context)
    {
        var request = context.Request;
        var dashboard = request.PathBase.Add(request.Path).StartsWithSegments(DashboardPath); // also inside the dashboard's branch
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && IsCrossOrigin(request))
        {
            return (StatusCodes.Status403Forbidden, "A request from another origin may not change anything here.");
        }

        if (key.IsSet)
        {
            return key.Accepts(request, allowBasic: dashboard)
                ? null
                : (StatusCodes.Status401Unauthorized, dashboard
                    ? "The dashboard needs the API key (as the password of HTTP Basic, or 'Authorization: Bearer <key>')."
                    : "This needs the service's API key: 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.");
        }

        return IsLocal(context)
            ? null
            : (StatusCodes.Status403Forbidden, $"Without an API key ({key.Variable}) the API and the dashboard answer only callers on this machine, not through a proxy.");
    }

    private static bool IsCrossOrigin(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"].FirstOrDefault() is { } site && site is not ("same-origin" or "none"))
        {
            return true;
        }

        return request.Headers.Origin.FirstOrDefault() is { } origin
            && !string.Equals(origin, $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsLocal(HttpContext context)
    {
        var request = context.Request;
        return context.Connection.RemoteIpAddress is { } remote
            && IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote)
            && !request.Headers.ContainsKey("X-Forwarded-For")
            && !request.Headers.ContainsKey("X-Forwarded-Host")
            && !request.Headers.ContainsKey("Forwarded")
            && IsLoopbackHost(request.Host.Host);
    }

    private static bool IsLoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
