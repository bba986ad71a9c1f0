namespace MndFhir.Intake;

/// <summary>
/// The panel items (and totals) imported before: for each panel_id and measure code, which assessment holds it. One
/// administration holds each item once, so a row of another assessment for the same item is a repeat
/// (<see cref="IntakeRules.PanelItemRepeated"/>) unless the export gave the holder up first. Kept as hashes in one
/// <see cref="SeenIds"/> table (key: the panel_id and code, content: the holder's <see cref="IdHash"/>), about 20 bytes
/// an item when sized from the count of stored panel rows.
/// </summary>
public sealed class PanelItemHolders(long expected = 0)
{
    private readonly SeenIds _holders = new(expected);

    public int Count => _holders.Count;

    /// <summary>
    /// Records that the assessment holds the item. Should two rows imported before hold one item (imported before this
    /// rule), the one with the smaller id hash keeps it, so every import decides alike whatever order the rows are read in.
    /// </summary>
    public void Add(string panelId, string code, string assessmentId)
    {
        var key = IdHash.Of(panelId, code);
        var holder = IdHash.Of(assessmentId);
        if (!_holders.TryGetContent(key, out var earlier) || holder < earlier)
        {
            _holders.SetContent(key, holder);
        }
    }

    /// <summary>The <see cref="IdHash"/> of the assessment holding the item; false when no row imported before holds it.</summary>
    public bool TryGetHolder(string panelId, string code, out ulong holder) => _holders.TryGetContent(IdHash.Of(panelId, code), out holder);
}
