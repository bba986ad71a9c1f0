using MndFhir.Intake;
using MndFhir.Records;

namespace MndFhir.Sync.Intake;

/// <summary>An entered-in-error row of the export applied to the stored record it withdraws.</summary>
internal static class RecordRetraction
{
    public static bool IsRetraction(ClinicRecord record) =>
        record is TreatmentRecord { Status: TreatmentStatus.EnteredInError } or AssessmentRecord { Status: AssessmentStatus.EnteredInError };

    /// <summary>
    /// Applies an entered-in-error row to the record it withdraws: the stored content is kept (the row needs only ids,
    /// patient, code and status) and its status becomes entered-in-error, so every destination that received the record
    /// receives its withdrawal. A record never imported has nothing to withdraw. A row whose patient or code differs from
    /// the stored record's is rejected: withdrawing the wrong record is worse than withdrawing none.
    /// </summary>
    public static RowRejection? Apply(ClinicRecord retraction, ClinicRecord? held, long line, string file, FileImportSummary summary, DateTimeOffset now)
    {
        if (held is null)
        {
            summary.Unchanged++;
            return null;
        }

        var (patient, code, idColumn) = retraction switch
        {
            TreatmentRecord t => (t.PatientId, t.Code, "treatment_id"),
            AssessmentRecord a => (a.PatientId, a.Code, "assessment_id"),
            _ => throw new ArgumentException("only treatments and assessments have a status", nameof(retraction)),
        };
        var (heldPatient, heldCode) = held switch
        {
            TreatmentRecord t => (t.PatientId, t.Code),
            AssessmentRecord a => (a.PatientId, a.Code),
            _ => throw new ArgumentException("only treatments and assessments have a status", nameof(held)),
        };
        if (patient != heldPatient || code != heldCode)
        {
            var column = patient != heldPatient ? "patient_id" : "code";
            return new RowRejection(
                file,
                line,
                column,
                IntakeRules.RetractionMismatch,
                $"{file} line {line}, column {column}: the entered-in-error row names another {(column == "code" ? "code" : "patient")} than the stored record {retraction.RecordId}; nothing was withdrawn",
                retraction.RecordId,
                new Dictionary<string, string> { [idColumn] = retraction.RecordId, ["patient_id"] = patient, ["code"] = code, ["status"] = "entered-in-error" });
        }

        switch (held)
        {
            case TreatmentRecord { Status: TreatmentStatus.EnteredInError, IsRemoved: false }:
            case AssessmentRecord { Status: AssessmentStatus.EnteredInError, IsRemoved: false }:
                summary.Unchanged++;
                return null;
            case TreatmentRecord t:
                t.Status = TreatmentStatus.EnteredInError;
                break;
            case AssessmentRecord a:
                a.Status = AssessmentStatus.EnteredInError;
                break;
        }

        held.RemovedFromExportAt = null;
        held.ContentHash = RecordHasher.Hash(held);
        held.UpdatedAt = now;
        summary.Retracted++;
        return null;
    }
}
