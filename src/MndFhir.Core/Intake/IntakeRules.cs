namespace MndFhir.Intake;

/// <summary>
/// The stable ids of the intake contract's row rules, as stored in the quarantine and shown to operators. (Problems of
/// a whole file are <see cref="FileRules"/>.)
/// </summary>
public static class IntakeRules
{
    public const string InvalidId = "invalid-id";
    public const string MissingValue = "missing-value";
    public const string InvalidDate = "invalid-date";
    public const string PartialDateNotAllowed = "partial-date-not-allowed";
    public const string DateTimeNotAllowed = "date-time-not-allowed";
    public const string InvalidCode = "invalid-code";
    public const string UnknownCode = "unknown-code";
    public const string UnknownPatient = "unknown-patient";
    public const string UnknownTreatment = "unknown-treatment";
    public const string TreatmentOfAnotherPatient = "treatment-of-another-patient";
    public const string InvalidNumber = "invalid-number";
    public const string ValueOutOfRange = "value-out-of-range";
    public const string UnitNotAllowed = "unit-not-allowed";
    public const string InvalidValue = "invalid-value";
    public const string EndBeforeStart = "end-before-start";
    public const string DuplicateId = "duplicate-id";
    public const string MissingCellProduct = "missing-cell-product";
    public const string UnknownBodySite = "unknown-body-site";
    public const string BodySiteRequired = "body-site-required";
    public const string BodySiteNotAllowed = "body-site-not-allowed";
    public const string InvalidCycle = "invalid-cycle";
    public const string PanelTotalMismatch = "panel-total-mismatch";
    public const string PanelOfAnotherPatient = "panel-of-another-patient";
    public const string PanelItemRepeated = "panel-item-repeated";
    public const string PanelDatesDiffer = "panel-dates-differ";
    public const string DateOutOfRange = "date-out-of-range";
    public const string DateBeforeBirth = "date-before-birth";
    public const string ValueTooLong = "value-too-long";
    public const string InvalidCharacter = "invalid-character";
    public const string RetractionMismatch = "retraction-mismatch";
    public const string TooFewCells = "too-few-cells";
    public const string StrayQuote = "stray-quote";
}
