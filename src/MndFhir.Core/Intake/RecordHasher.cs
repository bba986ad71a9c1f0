using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MndFhir.Records;

namespace MndFhir.Intake;

/// <summary>
/// The content hash of a record: SHA-256 over its clinical fields in a fixed order, normalised (enum names, ISO date
/// text, invariant numbers), without bookkeeping. Same content gives the same hash whatever the column order was.
/// </summary>
public static class RecordHasher
{
    public static string Hash(ClinicRecord record)
    {
        object?[] fields = record switch
        {
            PatientRecord p => ["patient", p.PatientId, p.HospitalMrn, p.FamilyName, p.GivenName, p.Sex, p.BirthDate.Value, p.Diagnosis, p.OnsetDate?.Value, p.OnsetRegion, p.DiagnosisDate?.Value, p.RegistryConsent, p.DeceasedDate?.Value],
            TreatmentRecord t => ["treatment", t.TreatmentId, t.PatientId, t.Code, t.Status, t.PerformedStart.Value, t.PerformedEnd?.Value, t.CellType, t.CellSource, t.CellCount, t.BodySite, t.CycleNumber, t.CycleTotal, t.Performer, t.Complication, t.Note],
            AssessmentRecord a => ["assessment", a.AssessmentId, a.PatientId, a.Code, a.Value, a.Unit, a.Effective.Value, a.PanelId, a.BodySite, a.TreatmentId, a.Status, a.Note],
            _ => throw new ArgumentException($"{record.GetType().Name} is not a clinic record", nameof(record)),
        };
        var text = string.Join('\u001f', fields.Select(f => f switch
        {
            null => "\u2400",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
            _ => f.ToString(),
        }));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
