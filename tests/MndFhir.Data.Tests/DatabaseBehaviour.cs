using Microsoft.EntityFrameworkCore;
using MndFhir.Records;

namespace MndFhir.Data.Tests;

/// <summary>What every provider must do the same way; run against SQLite and the real PostgreSQL.</summary>
internal static class DatabaseBehaviour
{
    public static async Task Records_round_trip_with_partial_dates_and_enums(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using (var db = await database.Contexts.CreateDbContextAsync())
        {
            db.Patients.Add(new PatientRecord
            {
                PatientId = "P-1",
                Sex = Sex.Female,
                BirthDate = ClinicDate.Parse("1961-04"),
                Diagnosis = Diagnosis.PLS,
                OnsetDate = ClinicDate.Parse("2022"),
                RegistryConsent = true,
                ContentHash = "h",
                FirstImportedAt = DateTimeOffset.UtcNow,
                UpdatedAt = DateTimeOffset.UtcNow,
            });
            db.Assessments.Add(new AssessmentRecord
            {
                AssessmentId = "A-1",
                PatientId = "P-1",
                Code = "FVC",
                Value = "2.50",
                Unit = "L",
                Effective = ClinicDate.Parse("2024-03-04T09:30:00+08:00"),
                Status = AssessmentStatus.Amended,
                ContentHash = "h",
            });
            await db.SaveChangesAsync();
        }

        await using var read = await database.Contexts.CreateDbContextAsync();
        var patient = await read.Patients.SingleAsync();
        Assert.Equal("1961-04", patient.BirthDate.Value);
        Assert.Equal(DatePrecision.Month, patient.BirthDate.Precision);
        Assert.Equal("2022", patient.OnsetDate!.Value.Value);
        Assert.Null(patient.DeceasedDate);
        Assert.Equal(Diagnosis.PLS, patient.Diagnosis);
        var assessment = await read.Assessments.SingleAsync();
        Assert.Equal("2024-03-04T09:30:00+08:00", assessment.Effective.Value);
        Assert.Equal("2.50", assessment.Value);
        Assert.Equal(AssessmentStatus.Amended, assessment.Status);
    }

    public static async Task The_ledger_holds_one_entry_per_destination_and_resource(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = await database.Contexts.CreateDbContextAsync();
        db.Ledger.Add(Entry("hospital"));
        db.Ledger.Add(Entry("registry"));
        await db.SaveChangesAsync();

        db.Ledger.Add(Entry("hospital"));
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
    }

    public static async Task A_lease_is_held_by_one_holder_until_it_expires_or_is_released(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
        await using var db = await database.Contexts.CreateDbContextAsync();
        var leases = new DestinationLeaseStore(db, clock);
        var ttl = TimeSpan.FromMinutes(10);

        Assert.True(await leases.TryAcquireLeaseAsync("hospital", "a", ttl, CancellationToken.None));
        Assert.False(await leases.TryAcquireLeaseAsync("hospital", "b", ttl, CancellationToken.None));
        Assert.True(await leases.TryAcquireLeaseAsync("registry", "b", ttl, CancellationToken.None));
        Assert.True(await leases.TryAcquireLeaseAsync("hospital", "a", ttl, CancellationToken.None));

        clock.Now += TimeSpan.FromMinutes(11);
        Assert.True(await leases.TryAcquireLeaseAsync("hospital", "b", ttl, CancellationToken.None));
        Assert.False(await leases.TryAcquireLeaseAsync("hospital", "a", ttl, CancellationToken.None));

        await leases.ReleaseLeaseAsync("hospital", "b", CancellationToken.None);
        Assert.True(await leases.TryAcquireLeaseAsync("hospital", "a", ttl, CancellationToken.None));
    }

    private static LedgerEntry Entry(string destination) => new()
    {
        Destination = destination,
        ResourceType = "Observation",
        BusinessId = "A-1",
        ContentHash = "h",
        State = LedgerState.Delivered,
        UpdatedAt = DateTimeOffset.UtcNow,
    };
}
