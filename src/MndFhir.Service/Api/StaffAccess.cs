using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace MndFhir.Service.Api;

/// <summary>
/// The access rule of everything staff read or start over HTTP (the API, its OpenAPI document and reference page, the
/// patient pages): the API key when one is set (<see cref="ApiKey"/>), else anyone who can reach the service, which
/// then listens on loopback only. Endpoints carry it as metadata and one middleware enforces it, so an endpoint of any
/// kind (a handler, a library's page) is guarded the same way.
/// </summary>
public static class StaffAccess
{
    public const string Refusal = "This needs the service's API key: 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.";

    /// <summary>Marks an endpoint (or a group) as staff-only.</summary>
    public static TBuilder RequireStaffAccess<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(Marker.Instance);

    /// <summary>Refuses, with 401 and a problem that names nothing but the rule, every staff-only request without the key.</summary>
    public static IApplicationBuilder UseStaffAccess(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<Marker>() is not null
            && !context.RequestServices.GetRequiredService<ApiKey>().Accepts(context.Request))
        {
            await Results.Problem(Refusal, statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    private sealed class Marker
    {
        public static readonly Marker Instance = new();
    }
}
