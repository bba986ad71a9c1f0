using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MndFhir.Service.Security;

namespace MndFhir.Service.Api;

/// <summary>
/// Marks what staff read or start over HTTP (the API, its OpenAPI document and reference page, the patient pages). Who
/// may is decided by <see cref="ServiceAccess"/>, before routing, for every staff path; the marker lets the OpenAPI
/// document say so, and <see cref="UseStaffAccess"/> applies the same decision after routing to any marked endpoint,
/// so an endpoint mapped one day outside those paths is not left open.
/// </summary>
public static class StaffAccess
{
    /// <summary>Marks an endpoint (or a group) as staff-only.</summary>
    public static TBuilder RequireStaffAccess<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(Marker.Instance);

    public static bool IsStaffOnly(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<Marker>() is not null;

    public static IApplicationBuilder UseStaffAccess(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (IsStaffOnly(context.GetEndpoint()) && !ServiceAccess.Guards(context.Request.Path)
            && context.RequestServices.GetRequiredService<ServiceAccess>().Refusal(context) is { } refusal)
        {
            await Results.Problem(refusal.Reason, statusCode: refusal.Status).ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    private sealed class Marker
    {
        public static readonly Marker Instance = new();
    }
}
