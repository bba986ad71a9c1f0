namespace MndFhir.Mapping;

/// <summary>
/// The clinic's vocabulary as the intake contract (clinic-export-format.md) lists it: every code here must have a
/// mapping. <c>mndfhir mappings validate</c> and the tests check the mappings against it.
/// </summary>
public static class ClinicVocabulary
{
    public static readonly IReadOnlyList<string> TreatmentCodes =
        ["BM_HARVEST", "SC_INTRATHECAL", "SC_INTRAVENOUS", "SC_LOCAL", "NEUROREHAB", "NEUROMODULATION", "NIV_START", "GASTROSTOMY"];

    public static readonly IReadOnlyList<string> MeasureCodes =
    [
        "ALSFRSR_TOTAL", "ALSFRSR_01", "ALSFRSR_02", "ALSFRSR_03", "ALSFRSR_04", "ALSFRSR_05", "ALSFRSR_06", "ALSFRSR_07", "ALSFRSR_08",
        "ALSFRSR_09", "ALSFRSR_10", "ALSFRSR_11", "ALSFRSR_12", "FVC", "FVC_PCT", "GRIP", "NIV_HOURS", "SPO2_NIGHT_MEAN", "ODI", "FOIS",
        "SPEECH_INTELLIGIBILITY", "FEEDS_INDEPENDENTLY", "MAS", "ROM", "SPASM_EPISODES", "PAIN_NRS", "ANALGESIC_MME", "HADS_A", "HADS_D",
        "ALSAQ40", "MQOL_SIS", "WEIGHT",
    ];

    public static readonly IReadOnlyList<string> BodySites =
    [
        "hand-left", "hand-right", "elbow-flexors-left", "elbow-flexors-right", "knee-extensors-left", "knee-extensors-right",
        "ankle-plantarflexors-left", "ankle-plantarflexors-right", "knee-left", "knee-right", "shoulder-left", "shoulder-right", "lumbar",
        "muscle-upper-limb", "muscle-lower-limb",
    ];

    public static readonly IReadOnlyList<string> Diagnoses = ["ALS", "PBP", "PLS", "PMA", "MND"];

    public static readonly IReadOnlyList<string> OnsetRegions = ["bulbar", "spinal", "respiratory", "generalized"];

    public static readonly IReadOnlyList<string> CellTypes = ["BM-MNC", "BM-MSC", "NSC"];

    /// <summary>Vocabulary codes without a mapping, as "kind code" texts; empty when the mappings cover the contract.</summary>
    public static IReadOnlyList<string> Uncovered(MappingSet rules) =>
    [
        .. TreatmentCodes.Where(c => !rules.Treatments.ContainsKey(c)).Select(c => "treatment " + c),
        .. MeasureCodes.Where(c => !rules.Measures.ContainsKey(c)).Select(c => "measure " + c),
        .. BodySites.Where(c => !rules.BodySites.ContainsKey(c)).Select(c => "body site " + c),
        .. Diagnoses.Where(c => !rules.Diagnoses.ContainsKey(c)).Select(c => "diagnosis " + c),
        .. OnsetRegions.Where(c => !rules.OnsetRegions.ContainsKey(c)).Select(c => "onset region " + c),
        .. CellTypes.Where(c => !rules.CellTypes.ContainsKey(c)).Select(c => "cell type " + c),
    ];
}
