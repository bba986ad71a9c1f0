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

    public static async Task Records_read_raw_are_the_records_ef_reads_every_property_set_or_null(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var at = new DateTimeOffset(2026, 11, 25, 8, 30, 15, 123, TimeSpan.Zero).AddTicks(4567);
        await using (var db = await database.Contexts.CreateDbContextAsync())
        {
            db.Patients.AddRange(
                new PatientRecord
                {
                    PatientId = "P-1", HospitalMrn = "MRN-1", FamilyName = "Family", GivenName = "Given", Sex = Sex.Other, BirthDate = ClinicDate.Parse("1961-04"),
                    Diagnosis = Diagnosis.PLS, OnsetDate = ClinicDate.Parse("2022"), OnsetRegion = OnsetRegion.Spinal, DiagnosisDate = ClinicDate.Parse("2023-01-02"),
                    RegistryConsent = true, DeceasedDate = ClinicDate.Parse("2025-06"), ContentHash = "h1", FirstImportedAt = at, UpdatedAt = at.AddDays(1), RemovedFromExportAt = at.AddDays(2),
                },
                new PatientRecord { PatientId = "P-2", BirthDate = ClinicDate.Parse("1950"), ContentHash = "h2", FirstImportedAt = at, UpdatedAt = at });
            db.Treatments.AddRange(
                new TreatmentRecord
                {
                    TreatmentId = "T-1", PatientId = "P-1", Code = "SC_INTRATHECAL", Status = TreatmentStatus.InProgress, PerformedStart = ClinicDate.Parse("2024-01-10T08:00:00+01:00"),
                    PerformedEnd = ClinicDate.Parse("2024-01-10"), CellType = "BM-MSC", CellSource = CellSource.Allogeneic, CellCount = 1.25e8, BodySite = "lumbar",
                    CycleNumber = 2, CycleTotal = 3, Performer = "S-9", Complication = "headache", Note = "note", ContentHash = "h3", FirstImportedAt = at, UpdatedAt = at, RemovedFromExportAt = at,
                },
                new TreatmentRecord { TreatmentId = "T-2", PatientId = "P-2", Code = "BM_HARVEST", PerformedStart = ClinicDate.Parse("2024-02"), ContentHash = "h4" });
            db.Assessments.AddRange(
                new AssessmentRecord
                {
                    AssessmentId = "A-1", PatientId = "P-1", Code = "FVC", Value = "2.50", Unit = "L", Effective = ClinicDate.Parse("2024-03-04T09:30:00+08:00"), PanelId = "PN-1",
                    BodySite = "hand-left", TreatmentId = "T-1", Status = AssessmentStatus.EnteredInError, Note = "note", ContentHash = "h5", FirstImportedAt = at, UpdatedAt = at, RemovedFromExportAt = at.AddHours(-3),
                },
                new AssessmentRecord { AssessmentId = "A-2", PatientId = "P-2", Code = "ALSFRSR_TOTAL", Effective = ClinicDate.Parse("2024"), ContentHash = "h6" });
            await db.SaveChangesAsync();
        }

        await using var read = await database.Contexts.CreateDbContextAsync();
        await SameAsync(read.Patients.AsNoTracking().OrderBy(p => p.PatientId), RecordRows.Patients(read));
        await SameAsync(read.Treatments.AsNoTracking().OrderBy(t => t.TreatmentId), RecordRows.Treatments(read));
        await SameAsync(read.Assessments.AsNoTracking().OrderBy(a => a.AssessmentId), RecordRows.Assessments(read));

        async Task SameAsync<T>(IQueryable<T> query, Func<System.Data.Common.DbDataReader, Func<System.Data.Common.DbDataReader, T>> rows)
            where T : ClinicRecord
        {
            var expected = await query.ToListAsync();
            var raw = await query.ReadAsync(read, rows, CancellationToken.None).ToListAsync();
            Assert.Equal(2, expected.Count);
            Assert.Equal(expected.Count, raw.Count);
            foreach (var (e, r) in expected.Zip(raw))
            {
                foreach (var property in typeof(T).GetProperties())
                {
                    Assert.True(Equals(property.GetValue(e), property.GetValue(r)), $"{typeof(T).Name}.{property.Name} of {e.RecordId}: EF {property.GetValue(e)}, raw {property.GetValue(r)}");
                }
            }

            // The first of each table has every property set (so a property added to a record and not to RecordRows
            // fails here once the test sets it), the second no optional one: both are compared.
            foreach (var property in typeof(T).GetProperties())
            {
                var value = property.GetValue(expected[0]);
                Assert.False(value is null || (value.GetType().IsValueType && value.Equals(Activator.CreateInstance(value.GetType()))), $"{typeof(T).Name}.{property.Name} is not set in the test data");
            }

            Assert.Null(expected[1].RemovedFromExportAt);
        }
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

    public static async Task Ledger_entries_inserted_raw_are_what_ef_reads_with_their_keys_set(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var at = new DateTimeOffset(2026, 11, 27, 13, 14, 15, 678, TimeSpan.Zero);
        await using (var db = await database.Contexts.CreateDbContextAsync())
        {
            // One entry written by EF first, so the raw keys do not start where a fresh table's would.
            db.Ledger.Add(Entry("hospital"));
            await db.SaveChangesAsync();
        }

        // 37 entries (PostgreSQL: two full statements of 16 rows and a short one; SQLite: a row a statement); every column set
        // on some, the nullable ones null on others.
        var entries = Enumerable.Range(1, 37).Select(i => new LedgerEntry
        {
            Destination = "registry",
            ResourceType = i % 2 == 0 ? "Observation" : "Patient",
            BusinessId = $"B-{i}",
            RecordId = i % 3 == 0 ? null : $"R-{i}",
            ContentHash = $"x3:{i:x32}",
            ServerId = i % 4 == 0 ? null : $"srv-{i}",
            ServerVersion = i % 5 == 0 ? null : "1",
            State = i % 7 == 0 ? LedgerState.Failed : LedgerState.Delivered,
            Attempts = i % 7 == 0 ? 2 : 0,
            LastError = i % 7 == 0 ? "{\"resourceType\":\"OperationOutcome\"}" : null,
            LastStatus = i % 7 == 0 ? 422 : null,
            FirstDeliveredAt = i % 7 == 0 ? null : at.AddSeconds(i),
            UpdatedAt = at.AddMinutes(i),
        }).ToList();
        await using (var db = await database.Contexts.CreateDbContextAsync())
        {
            Assert.True(RawInserts.Supports(db));
            await using var transaction = await db.Database.BeginTransactionAsync();
            await RawInserts.InsertAsync(db, entries, CancellationToken.None);
            await transaction.CommitAsync();
        }

        await using var check = await database.Contexts.CreateDbContextAsync();
        var stored = await check.Ledger.AsNoTracking().Where(e => e.Destination == "registry").ToDictionaryAsync(e => e.Id);
        Assert.Equal(entries.Count, stored.Count);
        foreach (var entry in entries)
        {
            var read = stored[entry.Id];
            foreach (var property in typeof(LedgerEntry).GetProperties())
            {
                Assert.Equal(property.GetValue(entry), property.GetValue(read));
            }
        }
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
