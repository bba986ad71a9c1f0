using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Scheduling;

/// <summary>Makes Hangfire's recurring jobs match the configured destinations: one per scheduled destination.</summary>
public sealed class DestinationScheduler(IRecurringJobManager jobs, IOptions<SyncSettings> settings, ILogger<DestinationScheduler> logger)
{
    public const string JobPrefix = "sync-";

    public static string JobId(string destination) => JobPrefix + destination.ToLowerInvariant();

    public IReadOnlyList<string> Apply(IEnumerable<string> existingJobIds)
    {
        var wanted = new List<string>();
        foreach (var destination in settings.Value.Destinations.Where(d => !string.IsNullOrWhiteSpace(d.Schedule)))
        {
            var id = JobId(destination.Name);
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

        foreach (var stale in existingJobIds.Where(j => j.StartsWith(JobPrefix, StringComparison.Ordinal) && !wanted.Contains(j)))
        {
            jobs.RemoveIfExists(stale);
            logger.LogInformation("Removed the schedule {JobId}: its destination is no longer configured", stale);
        }

        return wanted;
    }
}
