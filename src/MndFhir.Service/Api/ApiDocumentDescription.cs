using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace MndFhir.Service.Api;

/// <summary>The OpenAPI document's title and description, and the API key as its security scheme.</summary>
internal sealed class ApiDocumentDescription : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "MndFhir service API";
        document.Info.Description =
            "Status, run history, syncs on demand and dead letters of the MndFhir sync service, and its read-only patient pages. " +
            "With an API key configured (environment variable named by Service:ApiKeyVariable) every endpoint but /health needs it, " +
            "as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'; without one the service listens on loopback only. " +
            "Outcomes and other enumerations are words.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["apiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The service's API key as a bearer token (or in the X-Api-Key header).",
        };
        return Task.CompletedTask;
    }
}
