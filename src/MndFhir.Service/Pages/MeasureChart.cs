namespace MndFhir.Service.Pages;

/// <summary>
/// One plot of the patient page: which clinic measure codes it draws (each its own series; GRIP one per hand), on the
/// left axis (labelled with the units as sent when <see cref="YLabel"/> is empty), and optionally one code on a right
/// axis (analgesic MME beside pain).
/// </summary>
public sealed record MeasureChart(string Id, string Title, string YLabel, IReadOnlyList<string> Codes, string? RightCode = null, string? RightLabel = null)
{
    public const string AlsfrsTotal = "ALSFRSR_TOTAL";

    /// <summary>The ALSFRS-R progression rate since onset (derived measure), shown with the total.</summary>
    public const string ProgressionRate = "ALSFRSR_DFS";

    /// <summary>The plots of the patient page, in page order.</summary>
    public static IReadOnlyList<MeasureChart> All { get; } =
    [
        new("alsfrs-r", "ALSFRS-R total", "points (0-48)", [AlsfrsTotal]),
        new("fvc", "FVC % predicted", "% of predicted", ["FVC_PCT"]),
        new("grip", "Grip strength", string.Empty, ["GRIP"]),
        new("weight", "Weight", string.Empty, ["WEIGHT"]),
        new("pain", "Pain (NRS) and analgesic use (MME)", "pain NRS (0-10)", ["PAIN_NRS"], "ANALGESIC_MME", "MME mg/day"),
        new("hads", "HADS anxiety and depression", "score (0-21)", ["HADS_A", "HADS_D"]),
        new("alsaq40", "ALSAQ-40", "summary index (0-100)", ["ALSAQ40"]),
    ];

    /// <summary>Every clinic code the page reads: the plotted ones and the progression rate.</summary>
    public static IReadOnlySet<string> PageCodes { get; } = All.SelectMany(c => c.RightCode is null ? c.Codes : [.. c.Codes, c.RightCode]).Append(ProgressionRate).ToHashSet(StringComparer.Ordinal);

    /// <summary>The series name of a value of <paramref name="code"/> (per hand for grip).</summary>
    public static string SeriesOf(string code, string? bodySite) => code switch
    {
        AlsfrsTotal => "ALSFRS-R total",
        "FVC_PCT" => "FVC % predicted",
        "GRIP" => bodySite switch
        {
            "hand-left" => "grip, left hand",
            "hand-right" => "grip, right hand",
            _ => "grip",
        },
        "WEIGHT" => "weight",
        "PAIN_NRS" => "pain NRS",
        "ANALGESIC_MME" => "analgesics, MME/day",
        "HADS_A" => "HADS anxiety",
        "HADS_D" => "HADS depression",
        "ALSAQ40" => "ALSAQ-40",
        ProgressionRate => "ALSFRS-R progression rate since onset",
        _ => code,
    };
}
