using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MndFhir.Data;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.DeadLetters;
using MndFhir.Sync.Scheduling;
using MndFhir.Sync.Status;

namespace MndFhir.Service.Api;

/// <summary>
/// The service's REST API for hospital IT: status, runs, syncing a destination now, dead letters. Guarded by the API
/// key when one is set, else open to local callers only (<see cref="Security.ServiceAccess"/>); /health stays open for
/// monitoring and says nothing but up or down.
/// </summary>
public static class MndFhirApi
{
    public static IEndpointRouteBuilder MapMndFhirApi(this IEndpointRouteBuilder app)
    {
        // Who may call it is decided before routing, for the API and the dashboard alike (Security.ServiceAccess).
        var api = app.MapGroup("/api");
        api.MapGet("/status", async (IntakeStatusService intake, SyncStatusService status, CancellationToken ct) =>
            Results.Ok(new { intake = await intake.GetAsync(ct), destinations = await status.GetAsync(ct) }));
        api.MapGet("/runs", async (MndFhirDbContext db, int? take, CancellationToken ct) =>
            Results.Ok(await db.SyncRuns.AsNoTracking().OrderByDescending(r => r.Id).Take(Math.Clamp(take ?? 20, 1, 500)).ToListAsync(ct)));
        api.MapGet("/imports", async (MndFhirDbContext db, int? take, CancellationToken ct) =>
            Results.Ok(await db.ImportRuns.AsNoTracking().OrderByDescending(r => r.Id).Take(Math.Clamp(take ?? 20, 1, 500)).ToListAsync(ct)));
        api.MapPost("/run", (IBackgroundJobClient jobs) =>
        {
            // The main job, as `mndfhir run` and the schedule run it: a new complete export imported, every destination synced.
            var jobId = jobs.Enqueue<ScheduledMainJob>(job => job.RunAsync("api", CancellationToken.None));
            return Results.Accepted($"/hangfire/jobs/details/{jobId}", new { jobId });
        });
        api.MapPost("/destinations/{name}/sync", (string name, IOptions<SyncSettings> settings, IBackgroundJobClient jobs) =>
        {
            var destination = settings.Value.Destinations.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
            if (destination is null)
            {
                return Results.NotFound(new { error = $"No destination named '{name}'." });
            }

            var jobId = jobs.Enqueue<SyncJob>(job => job.RunAsync(destination.Name, "api", CancellationToken.None));
            return Results.Accepted($"/hangfire/jobs/details/{jobId}", new { jobId, destination = destination.Name });
        });
        api.MapGet("/dead-letters", async (DeadLetterQueries letters, string? destination, CancellationToken ct) =>
            Results.Ok(await letters.ListAsync(destination, ct)));
        api.MapGet("/dead-letters/{id:long}", async (DeadLetterQueries letters, long id, CancellationToken ct) =>
            await letters.FindAsync(id, ct) is { } letter ? Results.Ok(letter) : Results.NotFound());
        api.MapPost("/dead-letters/retry", async (DeadLetterQueries letters, IBackgroundJobClient jobs, string? destination, CancellationToken ct) =>
        {
            var destinations = (await letters.ListAsync(destination, ct)).Select(l => l.Destination).Distinct(StringComparer.Ordinal).ToList();
            var jobIds = destinations.Select(d => jobs.Enqueue<SyncJob>(job => job.RunAsync(d, "dead-letter-retry", CancellationToken.None))).ToList();
            return Results.Accepted(value: new { destinations, jobIds });
        });
        app.MapGet("/health", async (MndFhirDbContext db, CancellationToken ct) =>
            await db.Database.CanConnectAsync(ct) ? Results.Ok(new { status = "healthy" }) : Results.Problem("database unreachable", statusCode: 503));
        return app;
    }
}
