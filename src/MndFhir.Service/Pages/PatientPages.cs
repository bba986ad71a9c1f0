using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using MndFhir.Service.Api;

namespace MndFhir.Service.Pages;

/// <summary>
/// The read-only pages for staff: /patients (index), /patients/{id} (trajectories with the treatment sessions) and
/// /patients/cohort (ALSFRS-R slope before versus after the first transplant). Staff-only like the API
/// (<see cref="StaffAccess"/>); answers are not cached, and nothing of them is logged (the request path of these pages
/// is kept out of log events, see <see cref="PatientPathRedaction"/>).
/// </summary>
public static class PatientPages
{
    public const string Tag = "Pages";

    private const string Html = "text/html; charset=utf-8";

    public static IEndpointRouteBuilder MapPatientPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/patients").RequireStaffAccess().WithTags(Tag)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .AddEndpointFilter(async (context, next) =>
            {
                context.HttpContext.Response.Headers.CacheControl = "no-store";
                context.HttpContext.Response.Headers["Referrer-Policy"] = "no-referrer";
                return await next(context);
            });

        pages.MapGet(string.Empty, async Task<ContentHttpResult> (TrajectoryReader reader, CancellationToken ct) =>
                TypedResults.Content(PatientPage.Index(await reader.PatientsAsync(ct)), Html))
            .WithName("PatientIndex")
            .WithSummary("HTML: every patient with a link to the patient's page.")
            .Produces<string>(StatusCodes.Status200OK, "text/html");

        pages.MapGet("/cohort", async Task<ContentHttpResult> (TrajectoryReader reader, CancellationToken ct) =>
                TypedResults.Content(PatientPage.Cohort([.. (await reader.CohortAsync(ct)).Select(CohortSlope.Of)]), Html))
            .WithName("PatientCohort")
            .WithSummary("HTML: the ALSFRS-R slope (points/month) before versus after the first transplant, for every patient.")
            .Produces<string>(StatusCodes.Status200OK, "text/html");

        pages.MapGet("/{id}", async Task<Results<ContentHttpResult, ProblemHttpResult>> (string id, TrajectoryReader reader, CancellationToken ct) =>
                await reader.ReadAsync(id, ct) is { } patient
                    ? TypedResults.Content(PatientPage.Patient(patient), Html)
                    : TypedResults.Problem("No patient with that id.", statusCode: StatusCodes.Status404NotFound))
            .WithName("PatientPage")
            .WithSummary("HTML: one patient's ALSFRS-R, FVC, grip, weight, pain and analgesics, HADS and ALSAQ-40 over time, with every treatment session on the time axis.")
            .Produces<string>(StatusCodes.Status200OK, "text/html")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
