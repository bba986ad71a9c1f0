using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MndFhir.Data;
using MndFhir.Sync.Configuration;
using MndFhir.Sync.DeadLetters;
using MndFhir.Sync.Intake;
using MndFhir.Sync.Runs;
using MndFhir.Sync.Scheduling;
using MndFhir.Sync.Status;

namespace MndFhir.Service.Api;

/// <summary>
/// The service's REST API for hospital IT: status, runs, syncing a destination now, dead letters. Staff-only
/// (<see cref="Security.ServiceAccess"/> decides who, before routing; <see cref="StaffAccess"/> marks it); /health stays open for monitoring and says nothing but up or down. Every endpoint says
/// what it answers and which problems it can answer with, so the OpenAPI document (/openapi/v1.json) is complete.
/// </summary>
public static class MndFhirApi
{
    public const string Tag = "API";

    public static IEndpointRouteBuilder MapMndFhirApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireStaffAccess().WithTags(Tag)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        api.MapGet("/status", async Task<Ok<StatusReport>> (IntakeStatusService intake, SyncStatusService status, CancellationToken ct) =>
                TypedResults.Ok(new StatusReport(await intake.GetAsync(ct), await status.GetAsync(ct))))
            .WithName("GetStatus")
            .WithSummary("The last import, the open quarantine per file, and per destination delivered, pending, failed and the last run.")
            .WithDescription("The same as `mndfhir status --json`. Pending is what the next sync would send, computed as a sync would.");

        api.MapGet("/runs", async Task<Results<Ok<IReadOnlyList<SyncRunView>>, ValidationProblem>> (SyncRunQueries runs, string? destination, string? take, CancellationToken ct) =>
                TakeParameter.Read(take) is { } count ? TypedResults.Ok(await runs.ListAsync(destination, count, ct)) : TakeParameter.Problem(take))
            .WithName("GetRuns")
            .WithSummary("The sync run history, newest first (take: 1 to 500, default 20; another value is a 400 problem; destination: only its runs).")
            .WithDescription("The same as `mndfhir runs --json`. Outcome: Running, Succeeded, PartlySucceeded (some resources rejected or blocked) or Failed (stopped; `error` says why).");

        api.MapGet("/imports", async Task<Results<Ok<List<ImportRunView>>, ValidationProblem>> (MndFhirDbContext db, string? take, CancellationToken ct) =>
                TakeParameter.Read(take) is { } count
                    ? TypedResults.Ok(await db.ImportRuns.AsNoTracking().OrderByDescending(r => r.Id).Take(count)
                        .Select(r => new ImportRunView(r.Id, r.Trigger, r.Folder, r.Fingerprint, r.StartedAt, r.FinishedAt, r.Outcome, r.Rows, r.Created, r.Updated, r.Unchanged, r.Rejected, r.Removed, r.Retracted, r.FilesRejected, r.Message))
                        .ToListAsync(ct))
                    : TakeParameter.Problem(take))
            .WithName("GetImports")
            .WithSummary("The imports, newest first, with their outcomes and row figures (take: 1 to 500, default 20; another value is a 400 problem).");

        api.MapPost("/run", Accepted<JobQueued> (IBackgroundJobClient jobs) =>
            {
                // The main job, as `mndfhir run` and the schedule run it: a new complete export imported, every destination synced.
                var jobId = jobs.Enqueue<ScheduledMainJob>(job => job.RunAsync("api", CancellationToken.None));
                return TypedResults.Accepted($"/hangfire/jobs/details/{jobId}", new JobQueued(jobId));
            })
            .WithName("RunMainJob")
            .WithSummary("Queue the main job: import the configured export, then sync every destination (as `mndfhir run`).");

        api.MapPost("/destinations/{name}/sync", Results<Accepted<SyncQueued>, ProblemHttpResult> (string name, IOptions<SyncSettings> settings, IBackgroundJobClient jobs) =>
            {
                var destination = settings.Value.Destinations.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
                if (destination is null)
                {
                    return TypedResults.Problem($"No destination named '{name}'.", statusCode: StatusCodes.Status404NotFound);
                }

                var jobId = jobs.Enqueue<SyncJob>(job => job.RunAsync(destination.Name, "api", CancellationToken.None));
                return TypedResults.Accepted($"/hangfire/jobs/details/{jobId}", new SyncQueued(jobId, destination.Name));
            })
            .WithName("SyncDestination")
            .WithSummary("Queue a sync of one destination now; one sync per destination runs at a time, a second finds the lease taken and does nothing.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/dead-letters", async Task<Ok<IReadOnlyList<DeadLetter>>> (DeadLetterQueries letters, string? destination, CancellationToken ct) =>
                TypedResults.Ok(await letters.ListAsync(destination, ct)))
            .WithName("GetDeadLetters")
            .WithSummary("Resources a destination rejected, or MndFhir found invalid and did not send, newest first (destination: only its).")
            .WithDescription("The same as `mndfhir dead-letters list --json`. `status` is the HTTP status (null: invalid, not sent); `outcome` the OperationOutcome as JSON text; `summary` both in one line.");

        api.MapGet("/dead-letters/{id:long}", async Task<Results<Ok<DeadLetter>, ProblemHttpResult>> (DeadLetterQueries letters, long id, CancellationToken ct) =>
                await letters.FindAsync(id, ct) is { } letter
                    ? TypedResults.Ok(letter)
                    : TypedResults.Problem($"No dead letter #{id}.", statusCode: StatusCodes.Status404NotFound))
            .WithName("GetDeadLetter")
            .WithSummary("One dead letter with the destination's whole OperationOutcome.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/dead-letters/retry", async Task<Accepted<RetryQueued>> (DeadLetterQueries letters, IBackgroundJobClient jobs, string? destination, CancellationToken ct) =>
            {
                var destinations = (await letters.ListAsync(destination, ct)).Select(l => l.Destination).Distinct(StringComparer.Ordinal).ToList();
                var jobIds = destinations.Select(d => jobs.Enqueue<SyncJob>(job => job.RunAsync(d, "dead-letter-retry", CancellationToken.None))).ToList();
                return TypedResults.Accepted((string?)null, new RetryQueued(destinations, jobIds));
            })
            .WithName("RetryDeadLetters")
            .WithSummary("Queue a sync of every destination with dead letters (destination: only that one); each sends its dead letters again.");

        app.MapGet("/health", async Task<Results<Ok<HealthAnswer>, ProblemHttpResult>> (MndFhirDbContext db, CancellationToken ct) =>
                await db.Database.CanConnectAsync(ct)
                    ? TypedResults.Ok(new HealthAnswer("healthy"))
                    : TypedResults.Problem("database unreachable", statusCode: StatusCodes.Status503ServiceUnavailable))
            .WithName("GetHealth")
            .WithTags("Health")
            .WithSummary("Up or down, for monitoring; open to anyone, says nothing else.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }
}
