using System.Globalization;
using System.Text.RegularExpressions;
using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Intake;

public sealed partial class ClinicExportParser
{
    /// <summary>The contract's bound on cell_count.</summary>
    private const double MaxCellCount = 1e12;

    private static TreatmentRecord? Treatment(RowCursor row, IntakeContext context)
    {
        var rules = context.Rules;
        var record = new TreatmentRecord
        {
            TreatmentId = row.Id("treatment_id", required: true)!,
            PatientId = row.Id("patient_id", required: true)!,
            Code = row.Required("code"),
        };
        record.Status = row.Enum("status", TreatmentStatuses, required: false) ?? TreatmentStatus.Completed;
        if (record.Status == TreatmentStatus.EnteredInError)
        {
            // A retraction needs only its id, patient, code and status; the importer keeps the content it holds.
            return row.Failed ? null : record;
        }

        var birth = KnownPatient(row, record.PatientId, context);
        TreatmentMapping? mapping = null;
        if (!row.Failed && !rules.Treatments.TryGetValue(record.Code, out mapping))
        {
            row.Fail("code", IntakeRules.UnknownCode, $"treatment code '{RowCursor.Shown(record.Code)}' is not in the clinic vocabulary (mappings/)");
        }

        record.PerformedStart = row.Date("performed_start", required: true, allowPartial: false, allowTime: true) ?? default;
        row.NotBeforeBirth("performed_start", record.PerformedStart, birth);
        // A date-only end on the day of a date-time start is 'some time that day': not before it (ClinicDate.IsBefore).
        record.PerformedEnd = row.Date("performed_end", required: false, allowPartial: false, allowTime: true);
        if (!row.Failed && record.PerformedEnd is { } end && end.IsBefore(record.PerformedStart))
        {
            row.Fail("performed_end", IntakeRules.EndBeforeStart, $"performed_end {end} is before performed_start {record.PerformedStart}");
        }

        record.CellType = row.Optional("cell_type");
        if (!row.Failed && record.CellType is { } cellType && !rules.CellTypes.ContainsKey(cellType))
        {
            row.Fail("cell_type", IntakeRules.InvalidCode, $"'{RowCursor.Shown(cellType)}' is not one of {string.Join(", ", rules.CellTypes.Keys)}");
        }

        record.CellSource = row.Enum("cell_source", CellSources, required: false);
        if (!row.Failed && mapping is { RequiresCellProduct: true } && (record.CellType is null || record.CellSource is null))
        {
            row.Fail(record.CellType is null ? "cell_type" : "cell_source", IntakeRules.MissingCellProduct, $"{record.Code} is a stem-cell treatment: cell_type and cell_source are required");
        }

        record.CellCount = row.PositiveNumber("cell_count", MaxCellCount);
        record.BodySite = KnownBodySite(row, rules);
        (record.CycleNumber, record.CycleTotal) = Cycle(row);
        record.Performer = row.Id("performer", required: false);
        record.Complication = row.Text("complication", RecordLimits.Text);
        record.Note = row.Text("note", RecordLimits.Text);
        return row.Failed ? null : record;
    }

    private static AssessmentRecord? Assessment(RowCursor row, IntakeContext context)
    {
        var rules = context.Rules;
        var record = new AssessmentRecord
        {
            AssessmentId = row.Id("assessment_id", required: true)!,
            PatientId = row.Id("patient_id", required: true)!,
            Code = row.Required("code"),
        };
        record.Status = row.Enum("status", AssessmentStatuses, required: false) ?? AssessmentStatus.Final;
        if (record.Status == AssessmentStatus.EnteredInError)
        {
            // A retraction needs only its id, patient, code and status; the importer keeps the content it holds.
            return row.Failed ? null : record;
        }

        var birth = KnownPatient(row, record.PatientId, context);
        MeasureMapping? measure = null;
        if (!row.Failed && !rules.Measures.TryGetValue(record.Code, out measure))
        {
            row.Fail("code", IntakeRules.UnknownCode, $"measure code '{RowCursor.Shown(record.Code)}' is not in the clinic vocabulary (mappings/)");
        }

        record.Value = row.Required("value");
        row.Text("value", RecordLimits.Code);
        record.Unit = row.Text("unit", RecordLimits.Code);
        if (!row.Failed && measure is not null)
        {
            CheckValue(row, measure, record.Value, record.Unit);
        }

        record.Effective = row.Date("effective", required: true, allowPartial: false, allowTime: true) ?? default;
        row.NotBeforeBirth("effective", record.Effective, birth);
        record.PanelId = row.Id("panel_id", required: false);

        // Only items and totals of a questionnaire make a panel: on another measure, panel_id groups nothing.
        var panelRow = rules.PanelOfMeasure.ContainsKey(record.Code);
        if (!row.Failed && panelRow && record.PanelId is { } panel && context.PatientOfPanel?.Invoke(panel) is { } holder && holder != record.PatientId)
        {
            // One panel resource (panel:<instrument>:<panel_id>) would hold both patients' items.
            row.Fail("panel_id", IntakeRules.PanelOfAnotherPatient, $"panel {panel} already holds rows of patient {holder}, not {record.PatientId} (a panel_id groups one administration of one patient)");
        }
        record.BodySite = KnownBodySite(row, rules);
        if (!row.Failed && measure is not null)
        {
            if (measure.BodySite == BodySiteRule.Required && record.BodySite is null)
            {
                row.Fail("body_site", IntakeRules.BodySiteRequired, $"{record.Code} needs a body_site");
            }
            else if (measure.BodySite == BodySiteRule.None && record.BodySite is not null)
            {
                row.Fail("body_site", IntakeRules.BodySiteNotAllowed, $"{record.Code} takes no body_site");
            }
        }

        record.TreatmentId = row.Id("treatment_id", required: false);
        if (!row.Failed && record.TreatmentId is { } treatment && !context.TreatmentExists(treatment))
        {
            row.Fail("treatment_id", IntakeRules.UnknownTreatment, $"treatment {treatment} is not known");
        }
        else if (!row.Failed && record.TreatmentId is { } own && context.PatientOfTreatment?.Invoke(own) is { } owner && owner != record.PatientId)
        {
            // The Observation would point at another patient's Procedure.
            row.Fail("treatment_id", IntakeRules.TreatmentOfAnotherPatient, $"treatment {own} belongs to patient {owner}, not to {record.PatientId}");
        }

        record.Note = row.Text("note", RecordLimits.Text);
        if (!row.Failed && !panelRow && record.PanelId is { } unused && ++context.UnusedPanelIds <= IntakeContext.WarnedOneByOne)
        {
            // Kept as written (the row's content is the clinic's), but no panel rule or resource ever uses it.
            row.Warn($"assessment {record.AssessmentId}: {record.Code} is not an item of a questionnaire panel ({string.Join(", ", rules.Panels.Keys.Order(StringComparer.Ordinal))}), so its panel_id {unused} groups nothing and is not used; the row is imported");
        }

        return row.Failed ? null : record;
    }

    private static void CheckValue(RowCursor row, MeasureMapping measure, string value, string? unit)
    {
        switch (measure.Value.Kind)
        {
            case ValueKind.Boolean:
                if (value.ToLowerInvariant() is not ("yes" or "no"))
                {
                    row.Fail("value", IntakeRules.InvalidValue, $"{measure.Code} takes yes or no, not '{RowCursor.Shown(value)}'");
                }

                break;
            case ValueKind.Ordinal:
                if (measure.Value.Answers.All(a => a.Value != value))
                {
                    row.Fail("value", IntakeRules.InvalidValue, $"{measure.Code} takes one of {string.Join(", ", measure.Value.Answers.Select(a => a.Value))}, not '{RowCursor.Shown(value)}'");
                }

                break;
            default:
                if (!decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    row.Fail("value", IntakeRules.InvalidNumber, $"'{RowCursor.Shown(value)}' is not a number");
                }
                else if (measure.Value.Kind == ValueKind.Score && number != decimal.Truncate(number))
                {
                    row.Fail("value", IntakeRules.InvalidValue, $"{measure.Code} is a whole-number score, not '{RowCursor.Shown(value)}'");
                }
                else if (!string.IsNullOrEmpty(unit) && !measure.Value.AcceptedUnits.ContainsKey(unit))
                {
                    row.Fail("unit", IntakeRules.UnitNotAllowed, $"unit '{RowCursor.Shown(unit)}' does not fit {measure.Code} (allowed: {string.Join(", ", measure.Value.AcceptedUnits.Keys)})");
                }
                else if (!MeasureValueConverter.TryConvert(measure.Value, value, unit, out _, out var error))
                {
                    var rule = string.IsNullOrEmpty(unit) && !measure.Value.UnitOptional ? IntakeRules.UnitNotAllowed : IntakeRules.ValueOutOfRange;
                    row.Fail(rule == IntakeRules.UnitNotAllowed ? "unit" : "value", rule, $"{measure.Code}: {error}");
                }

                break;
        }
    }

    /// <summary>The patient's birth date, after checking the patient is known (in patients.csv or imported before).</summary>
    private static ClinicDate? KnownPatient(RowCursor row, string patientId, IntakeContext context)
    {
        if (row.Failed)
        {
            return null;
        }

        var birth = context.BirthDateOf(patientId);
        if (birth is null)
        {
            row.Fail("patient_id", IntakeRules.UnknownPatient, context.PatientsFileRejected
                ? $"patient {patientId} is not known: patients.csv was rejected in this import (see its file problem), and the patient was not imported before"
                : $"patient {patientId} is not in patients.csv nor imported before");
        }

        return birth;
    }

    private static string? KnownBodySite(RowCursor row, MappingSet rules)
    {
        var site = row.Optional("body_site");
        if (!row.Failed && site is not null && !rules.BodySites.ContainsKey(site))
        {
            row.Fail("body_site", IntakeRules.UnknownBodySite, $"'{RowCursor.Shown(site)}' is not a clinic body-site code");
        }

        return site;
    }

    private static (int?, int?) Cycle(RowCursor row)
    {
        var text = row.Optional("cycle");
        if (text is null)
        {
            return (null, null);
        }

        var m = CyclePattern().Match(text);
        if (m.Success
            && int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var n)
            && int.TryParse(m.Groups[2].Value, CultureInfo.InvariantCulture, out var total)
            && n >= 1 && n <= total)
        {
            return (n, total);
        }

        row.Fail("cycle", IntakeRules.InvalidCycle, $"'{RowCursor.Shown(text)}' is not n/N with 1 <= n <= N");
        return (null, null);
    }

    [GeneratedRegex(@"^\s*([0-9]{1,3})\s*/\s*([0-9]{1,3})\s*$")]
    private static partial Regex CyclePattern();
}
