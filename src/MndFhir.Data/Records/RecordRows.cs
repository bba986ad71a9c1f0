using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using MndFhir.Records;

namespace MndFhir.Data;

/// <summary>
/// Row readers (<see cref="RawRows"/>) of the three record tables, for the queries that stream every record of an
/// export to the mapping: each column read as the model stores it (the clinic's dates as their ISO text, enums by
/// name, timestamps through the provider's own converter where it has one: SQLite's sortable integer).
/// </summary>
public static class RecordRows
{
    public static Func<DbDataReader, Func<DbDataReader, PatientRecord>> Patients(DbContext db)
    {
        var stamps = Timestamps.Of<PatientRecord>(db);
        return r =>
        {
            int id = r.GetOrdinal(nameof(PatientRecord.PatientId)), mrn = r.GetOrdinal(nameof(PatientRecord.HospitalMrn)),
                family = r.GetOrdinal(nameof(PatientRecord.FamilyName)), given = r.GetOrdinal(nameof(PatientRecord.GivenName)),
                sex = r.GetOrdinal(nameof(PatientRecord.Sex)), birth = r.GetOrdinal(nameof(PatientRecord.BirthDate)),
                diagnosis = r.GetOrdinal(nameof(PatientRecord.Diagnosis)), onset = r.GetOrdinal(nameof(PatientRecord.OnsetDate)),
                region = r.GetOrdinal(nameof(PatientRecord.OnsetRegion)), diagnosed = r.GetOrdinal(nameof(PatientRecord.DiagnosisDate)),
                consent = r.GetOrdinal(nameof(PatientRecord.RegistryConsent)), deceased = r.GetOrdinal(nameof(PatientRecord.DeceasedDate));
            var book = stamps.Ordinals(r);
            return row => book.Fill(row, new PatientRecord
            {
                PatientId = row.GetString(id),
                HospitalMrn = row.StringOrNull(mrn),
                FamilyName = row.StringOrNull(family),
                GivenName = row.StringOrNull(given),
                Sex = row.Enum<Sex>(sex),
                BirthDate = ClinicDate.Parse(row.GetString(birth)),
                Diagnosis = row.Enum<Diagnosis>(diagnosis),
                OnsetDate = DateOrNull(row, onset),
                OnsetRegion = row.IsDBNull(region) ? null : row.Enum<OnsetRegion>(region),
                DiagnosisDate = DateOrNull(row, diagnosed),
                RegistryConsent = row.GetBoolean(consent),
                DeceasedDate = DateOrNull(row, deceased),
            });
        };
    }

    public static Func<DbDataReader, Func<DbDataReader, TreatmentRecord>> Treatments(DbContext db)
    {
        var stamps = Timestamps.Of<TreatmentRecord>(db);
        return r =>
        {
            int id = r.GetOrdinal(nameof(TreatmentRecord.TreatmentId)), patient = r.GetOrdinal(nameof(TreatmentRecord.PatientId)),
                code = r.GetOrdinal(nameof(TreatmentRecord.Code)), status = r.GetOrdinal(nameof(TreatmentRecord.Status)),
                start = r.GetOrdinal(nameof(TreatmentRecord.PerformedStart)), end = r.GetOrdinal(nameof(TreatmentRecord.PerformedEnd)),
                cellType = r.GetOrdinal(nameof(TreatmentRecord.CellType)), cellSource = r.GetOrdinal(nameof(TreatmentRecord.CellSource)),
                cellCount = r.GetOrdinal(nameof(TreatmentRecord.CellCount)), site = r.GetOrdinal(nameof(TreatmentRecord.BodySite)),
                cycle = r.GetOrdinal(nameof(TreatmentRecord.CycleNumber)), cycles = r.GetOrdinal(nameof(TreatmentRecord.CycleTotal)),
                performer = r.GetOrdinal(nameof(TreatmentRecord.Performer)), complication = r.GetOrdinal(nameof(TreatmentRecord.Complication)),
                note = r.GetOrdinal(nameof(TreatmentRecord.Note));
            var book = stamps.Ordinals(r);
            return row => book.Fill(row, new TreatmentRecord
            {
                TreatmentId = row.GetString(id),
                PatientId = row.GetString(patient),
                Code = row.GetString(code),
                Status = row.Enum<TreatmentStatus>(status),
                PerformedStart = ClinicDate.Parse(row.GetString(start)),
                PerformedEnd = DateOrNull(row, end),
                CellType = row.StringOrNull(cellType),
                CellSource = row.IsDBNull(cellSource) ? null : row.Enum<CellSource>(cellSource),
                CellCount = row.IsDBNull(cellCount) ? null : row.GetDouble(cellCount),
                BodySite = row.StringOrNull(site),
                CycleNumber = row.IsDBNull(cycle) ? null : row.GetInt32(cycle),
                CycleTotal = row.IsDBNull(cycles) ? null : row.GetInt32(cycles),
                Performer = row.StringOrNull(performer),
                Complication = row.StringOrNull(complication),
                Note = row.StringOrNull(note),
            });
        };
    }

    public static Func<DbDataReader, Func<DbDataReader, AssessmentRecord>> Assessments(DbContext db)
    {
        var stamps = Timestamps.Of<AssessmentRecord>(db);
        return r =>
        {
            int id = r.GetOrdinal(nameof(AssessmentRecord.AssessmentId)), patient = r.GetOrdinal(nameof(AssessmentRecord.PatientId)),
                code = r.GetOrdinal(nameof(AssessmentRecord.Code)), value = r.GetOrdinal(nameof(AssessmentRecord.Value)),
                unit = r.GetOrdinal(nameof(AssessmentRecord.Unit)), effective = r.GetOrdinal(nameof(AssessmentRecord.Effective)),
                panel = r.GetOrdinal(nameof(AssessmentRecord.PanelId)), site = r.GetOrdinal(nameof(AssessmentRecord.BodySite)),
                treatment = r.GetOrdinal(nameof(AssessmentRecord.TreatmentId)), status = r.GetOrdinal(nameof(AssessmentRecord.Status)),
                note = r.GetOrdinal(nameof(AssessmentRecord.Note));
            var book = stamps.Ordinals(r);
            return row => book.Fill(row, new AssessmentRecord
            {
                AssessmentId = row.GetString(id),
                PatientId = row.GetString(patient),
                Code = row.GetString(code),
                Value = row.StringOrNull(value),
                Unit = row.StringOrNull(unit),
                Effective = ClinicDate.Parse(row.GetString(effective)),
                PanelId = row.StringOrNull(panel),
                BodySite = row.StringOrNull(site),
                TreatmentId = row.StringOrNull(treatment),
                Status = row.Enum<AssessmentStatus>(status),
                Note = row.StringOrNull(note),
            });
        };
    }

    private static ClinicDate? DateOrNull(DbDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : ClinicDate.Parse(row.GetString(ordinal));

    /// <summary>The bookkeeping every record has (<see cref="ClinicRecord"/>), its timestamps as the provider stores them.</summary>
    private sealed class Timestamps(Func<object, object?>? convert)
    {
        public static Timestamps Of<T>(DbContext db)
            where T : ClinicRecord
        {
            // The three timestamps share one store type; SQLite's goes through a value converter (DateTimeOffset as a
            // sortable integer), the others read as DateTimeOffset.
            var converter = db.Model.FindEntityType(typeof(T))!.FindProperty(nameof(ClinicRecord.UpdatedAt))!.GetTypeMapping().Converter;
            return new Timestamps(converter is null ? null : converter.ConvertFromProvider);
        }

        public Bookkeeping Ordinals(DbDataReader r) => new(
            this, r.GetOrdinal(nameof(ClinicRecord.ContentHash)), r.GetOrdinal(nameof(ClinicRecord.FirstImportedAt)),
            r.GetOrdinal(nameof(ClinicRecord.UpdatedAt)), r.GetOrdinal(nameof(ClinicRecord.RemovedFromExportAt)));

        public DateTimeOffset Read(DbDataReader row, int ordinal) =>
            convert is null ? row.GetFieldValue<DateTimeOffset>(ordinal) : (DateTimeOffset)convert(row.GetValue(ordinal))!;

        public readonly record struct Bookkeeping(Timestamps Stamps, int Hash, int First, int Updated, int Removed)
        {
            public T Fill<T>(DbDataReader row, T record)
                where T : ClinicRecord
            {
                record.ContentHash = row.GetString(Hash);
                record.FirstImportedAt = Stamps.Read(row, First);
                record.UpdatedAt = Stamps.Read(row, Updated);
                record.RemovedFromExportAt = row.IsDBNull(Removed) ? null : Stamps.Read(row, Removed);
                return record;
            }
        }
    }
}
