using Hangfire.Dashboard;
using Microsoft.Extensions.DependencyInjection;

namespace MndFhir.Service.Security;

/// <summary>
/// Replaces Hangfire's "local requests only" filter, which takes a same-host reverse proxy's every caller for local:
/// the dashboard is open exactly when <see cref="ServiceAccess"/> lets the request through.
/// </summary>
public sealed class DashboardAccessFilter : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var http = context.GetHttpContext();
        return http.RequestServices.GetRequiredService<ServiceAccess>().Refusal(http) is null;
    }
}
