using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Scheduling;

/// <summary>
/// Makes Hangfire's recurring jobs match the configuration: the main job (look for a new export, import it, sync every
/// destination) on Clinic:ImportSchedule when an export folder is configured, and one sync per scheduled destination.
/// Jobs of destinations no longer configured are removed. Several service instances sharing Hangfire's storage apply
/// the same jobs; Hangfire runs each occurrence once.
/// </summary>
public sealed class JobSchedule(IRecurringJobManager jobs, IOptions<ClinicOptions> clinic, IOptions<SyncSettings> settings, ILogger<JobSchedule> logger)
{
    public const string MainJobId = "main-import-and-sync";
    public const string SyncJobPrefix = "sync-";

    public static string SyncJobId(string destination) => SyncJobPrefix + destination.ToLowerInvariant();

    public IReadOnlyList<string> Apply(IEnumerable<string> existingJobIds)
    {
        var wanted = new List<string>();
        if (clinic.Value.ExportPath is not null && clinic.Value.ImportSchedule is { Length: > 0 } importSchedule)
        {
            jobs.AddOrUpdate<ScheduledMainJob>(MainJobId, job => job.RunAsync("scheduled", CancellationToken.None), importSchedule, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
            wanted.Add(MainJobId);
            logger.LogInformation("Watching the export folder with {Schedule}", importSchedule);
        }

        foreach (var destination in settings.Value.Destinations.Where(d => !string.IsNullOrWhiteSpace(d.Schedule)))
        {
            var id = SyncJobId(destination.Name);
            var name = destination.Name;
            jobs.AddOrUpdate<SyncJob>(
                id,
                job => job.RunAsync(name, "scheduled", CancellationToken.None),
                destination.Schedule!,
                new RecurringJobOptions
                {
                    TimeZone = destination.TimeZone is { Length: > 0 } tz ? TimeZoneInfo.FindSystemTimeZoneById(tz) : TimeZoneInfo.Utc,
                });
            wanted.Add(id);
            logger.LogInformation("Scheduled {Destination} with {Schedule}", destination.Name, destination.Schedule);
        }

        foreach (var stale in existingJobIds.Where(j => (j.StartsWith(SyncJobPrefix, StringComparison.Ordinal) || j == MainJobId) && !wanted.Contains(j)))
        {
            jobs.RemoveIfExists(stale);
            logger.LogInformation("Removed the schedule {JobId}: it is no longer configured", stale);
        }

        return wanted;
    }
}
