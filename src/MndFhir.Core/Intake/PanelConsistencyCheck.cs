using System.Globalization;
using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Intake;

/// <summary>
/// The panel rules of the contract, on accepted assessment rows as they stream. A questionnaire's total
/// (ALSFRSR_TOTAL) must equal the sum of its items when all items of the same panel_id are present. One administration
/// holds each item, and its total, once: a second row for it is a repeat (<see cref="IntakeRules.PanelItemRepeated"/>),
/// which would make the panel Observation hold two members for one item. The first row holds the item: a row imported
/// before (<paramref name="imported"/>, unless this file retracted it or gave it another panel or code, or it is not in
/// a complete export that removes it), else the first row of this file that went through. A new row whose holder
/// imported before was not read yet waits for the end of the file (it may still give the item up below). An administration is dated one day: a row dated two days or more from
/// the first row of its panel that went through is another administration (<see cref="IntakeRules.PanelDatesDiffer"/>),
/// one of the day before or after is kept with a warning (a panel filled over midnight, or date-times written at
/// different offsets). A total is decided as soon as all items of its panel were read (the
/// sum can no longer change), so the check holds only the totals of panels still incomplete, and of a complete panel no
/// more than its id's hash, its sum and whether its total was taken. A total whose panel is still incomplete at the end
/// of the file is summed with the panel's items imported before and still held (<see cref="PanelsAwaitingStoredItems"/>,
/// <see cref="Finish(IEnumerable{StoredPanelItem}?, bool)"/>): a total that arrives in a later export than some of its items
/// is checked like one beside them. A panel still short of an item then is not summed (the rule needs every item), its
/// total only checked for a repeat. The other way round, an item of a panel with a total imported before waits until a
/// total of this file goes through, or the end of the file, where it is checked against that stored total
/// (<see cref="Finish(IEnumerable{StoredPanelItem}?, bool)"/>).
/// </summary>
/// <param name="imported">The panel items imported before; null: none are known (a row is a repeat only of this file's rows).</param>
/// <param name="read">The ids the parser accepted so far in this file (it fills them as it reads): how the check learns
/// that a row imported before came again, above the row at hand, with another panel or code, or retracted.</param>
/// <param name="warnings">Where a row of the day next to its panel's first row is reported (e.g. the import's warnings).</param>
public sealed partial class PanelConsistencyCheck(MappingSet rules, PanelItemHolders? imported = null, SeenIds? read = null, List<IntakeWarning>? warnings = null)
{
    private readonly Dictionary<string, PanelState> _open = new(StringComparer.Ordinal);

    // Complete panels: the IdHash of the panel id, the panel, the sum of its items, whether a total went through, and the
    // day and line of its first row.
    private readonly Dictionary<ulong, CompletePanel> _complete = [];
    private readonly List<PanelDecision> _decided = [];

    // The ids (IdHash) of rows that did not go through here (rejected) or not yet (totals held): a row imported before
    // whose row of this file did not go through keeps what it holds. Rejections and held totals only: a few.
    private readonly HashSet<ulong> _notThrough = [];

    // The retractions read, of panel measures: id hash -> IdHash.Of(code, patient). The importer withdraws a record only
    // when both are its own (retraction-mismatch otherwise), so only then does a retraction give up the item.
    private readonly Dictionary<ulong, ulong> _retractions = [];

    // Items held back while their panel has a total imported before (a total stored when the panel was incomplete is
    // summed only when its items come): per panel_id, until a total of this file goes through or the end of the file.
    private readonly Dictionary<string, List<(AssessmentRecord Record, long Line)>> _heldItems = new(StringComparer.Ordinal);

    // Items and totals whose item a row imported before holds, that row not read yet: it may give the item up below
    // (retracted, moved) or be gone from a complete export, so they wait for the end of the file. Replacements: a few.
    private readonly List<(AssessmentRecord Record, long Line, decimal Value, int Day)> _pendingItems = [];
    private readonly List<(AssessmentRecord Record, long Line, decimal Value)> _pendingTotals = [];

    // The holders the pending items wait for (IdHash), and the items (IdHash of panel_id and code) that such a holder took
    // again in this file, exported as it was: what tells a pending item's repeat of a row imported before from one of a
    // row of this file.
    private readonly HashSet<ulong> _pendingHolders = [];
    private readonly HashSet<ulong> _retaken = [];

    // Set by Finish: the end of the file is reached, and whether the rows imported before that it did not hold are marked
    // removed at the end of the import (a complete export whose removals go through).
    private bool _finishing;
    private bool _unreadRemoved;

    /// <summary>
    /// Feeds an accepted row. True when the check takes it: a panel total, or an item of a panel with a total imported
    /// before, which the caller stores only once <see cref="TakeDecided"/> hands it back without a rejection, or a
    /// repeated item, handed back with its rejection.
    /// </summary>
    public bool Add(AssessmentRecord record, long line)
    {
        if (record.Status == AssessmentStatus.EnteredInError)
        {
            if (imported is not null && rules.PanelOfMeasure.ContainsKey(record.Code))
            {
                _retractions[IdHash.Of(record.AssessmentId)] = IdHash.Of(record.Code, record.PatientId);
            }

            return false;
        }

        if (record.PanelId is null
            || !rules.PanelOfMeasure.TryGetValue(record.Code, out var panel)
            || !decimal.TryParse(record.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        var isTotal = record.Code == panel.Total;
        var key = IdHash.Of(record.PanelId);
        var day = DayOf(record.Effective);
        if (_complete.TryGetValue(key, out var complete))
        {
            if (complete.Panel.Code != panel.Code)
            {
                // Another instrument under the same panel_id: not checked (one instrument per panel_id is the rule's case).
                return false;
            }

            if (!SameAdministration(record, line, day, complete.FirstDay, complete.FirstLine))
            {
                return true;
            }

            if (!isTotal)
            {
                // Every item of a complete panel was read: this one is a second row for its item.
                RejectRepeat(record, line, imported: false);
            }
            else if (Decide(record, line, value, complete.Panel, complete.Sum, complete.TotalTaken))
            {
                _complete[key] = complete with { TotalTaken = true };
                Release(record.PanelId);
            }

            return true;
        }

        if (!_open.TryGetValue(record.PanelId, out var state))
        {
            state = new PanelState(panel);
            _open[record.PanelId] = state;
        }
        else if (state.Panel.Code != panel.Code)
        {
            return false;
        }

        if (state.FirstLine > 0 && !SameAdministration(record, line, day, state.FirstDay, state.FirstLine))
        {
            return true;
        }

        if (isTotal)
        {
            state.Totals.Add((record, line, value));
            state.Dated(day, line);
            _notThrough.Add(IdHash.Of(record.AssessmentId));
            return true;
        }

        var index = state.IndexOf(record.Code);
        if (state.Holds(index))
        {
            RejectRepeat(record, line, imported: false);
            return true;
        }

        switch (HolderOf(record))
        {
            case Holder.Another:
                RejectRepeat(record, line, imported: true);
                return true;
            case Holder.NotReadYet:
                _pendingItems.Add((record, line, value, day));
                _notThrough.Add(IdHash.Of(record.AssessmentId));
                imported!.TryGetHolder(record.PanelId, record.Code, out var holder);
                _pendingHolders.Add(holder);
                return true;
        }

        return TakeItem(record, line, value, day, state, index);
    }

    /// <summary>
    /// The item goes into its open panel (<paramref name="state"/>), held when the panel has a total imported before,
    /// else handed back to the caller (false); a panel it completes has its totals decided. True when the check holds it.
    /// </summary>
    private bool TakeItem(AssessmentRecord record, long line, decimal value, int day, PanelState state, int index)
    {
        var panelId = record.PanelId!;
        if (_pendingHolders.Contains(IdHash.Of(record.AssessmentId)))
        {
            _retaken.Add(IdHash.Of(panelId, record.Code));
        }

        state.Take(index);
        state.Dated(day, line);
        state.Sum += value;
        var held = imported is not null && state.Panel.Total is { } totalCode && imported.TryGetHolder(panelId, totalCode, out _);
        if (held)
        {
            if (!_heldItems.TryGetValue(panelId, out var rows))
            {
                _heldItems[panelId] = rows = [];
            }

            rows.Add((record, line));
        }

        if (state.Count == state.Panel.Items.Count)
        {
            _open.Remove(panelId);
            var taken = false;
            foreach (var (total, totalLine, totalValue) in state.Totals)
            {
                taken |= Decide(total, totalLine, totalValue, state.Panel, state.Sum, taken);
            }

            if (taken)
            {
                Release(panelId);
            }

            _complete[IdHash.Of(panelId)] = new CompletePanel(state.Panel, state.Sum, taken, state.FirstDay, state.FirstLine);
        }

        return held;
    }

    /// <summary>The totals and repeats decided since the last call, in the order decided: each to store, or its rejection.</summary>
    public List<PanelDecision> TakeDecided()
    {
        var decided = _decided.ToList();
        _decided.Clear();
        return decided;
    }

    /// <summary>Decides a total: true when it goes through (and so takes the panel's total).</summary>
    /// <param name="sum">The sum of the panel's items; null when the panel is incomplete (the total is not summed).</param>
    /// <param name="taken">Whether a total of the panel went through before.</param>
    /// <param name="before">How many of the summed items were imported before (not in this file).</param>
    private bool Decide(AssessmentRecord total, long line, decimal value, PanelMapping panel, decimal? sum, bool taken, int before = 0)
    {
        if (sum is { } items && value != items)
        {
            Reject(total, line, "value", IntakeRules.PanelTotalMismatch,
                $"{panel.Total} of panel {total.PanelId} is {value.ToString(CultureInfo.InvariantCulture)} but its {panel.Items.Count} items"
                + (before > 0 ? $" ({before} of them imported before, not in this file)" : string.Empty)
                + $" sum to {items.ToString(CultureInfo.InvariantCulture)}");
            return false;
        }

        var holder = taken ? Holder.None : HolderOf(total);
        if (holder == Holder.NotReadYet)
        {
            _pendingTotals.Add((total, line, value));
            return false;
        }

        if (taken || holder == Holder.Another)
        {
            RejectRepeat(total, line, imported: !taken);
            return false;
        }

        _notThrough.Remove(IdHash.Of(total.AssessmentId));
        _decided.Add(new PanelDecision(total, line, null));
        return true;
    }

    /// <summary>
    /// Whether the row is dated within a day of its panel's first row; rejects it when not, warns when it is the day next
    /// to it. Days as the clinic wrote them (a date-time counts by the day it names at its own offset, as elsewhere).
    /// </summary>
    private bool SameAdministration(AssessmentRecord record, long line, int day, int firstDay, long firstLine)
    {
        var days = day - firstDay;
        var side = days > 0 ? "after" : "before";
        if (Math.Abs(days) > 1)
        {
            Reject(record, line, "effective", IntakeRules.PanelDatesDiffer,
                $"panel {record.PanelId} is one administration, first dated at line {firstLine}; this row is dated {Math.Abs(days)} days {side} it");
            return false;
        }

        if (days != 0)
        {
            warnings?.Add(new IntakeWarning(ClinicFile.Assessments.FileName(), line,
                $"assessment {record.AssessmentId} of panel {record.PanelId} is dated the day {side} the panel's first row (line {firstLine}); kept as one administration (filled over midnight?)"));
        }

        return true;
    }

    /// <summary>The day a full date or date-time names, as a day number (the contract requires a full effective date).</summary>
    private static int DayOf(ClinicDate effective) =>
        DateOnly.ParseExact(effective.Value.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber;

    private void Reject(AssessmentRecord record, long line, string column, string rule, string message)
    {
        _notThrough.Add(IdHash.Of(record.AssessmentId));
        var file = ClinicFile.Assessments.FileName();
        _decided.Add(new PanelDecision(record, line, new RowRejection(
            file,
            line,
            column,
            rule,
            $"{file} line {line}, column {column}: {message}",
            record.AssessmentId,
            new Dictionary<string, string>
            {
                ["assessment_id"] = record.AssessmentId,
                ["patient_id"] = record.PatientId,
                ["code"] = record.Code,
                ["value"] = record.Value ?? string.Empty,
                ["effective"] = record.Effective.Value,
                ["panel_id"] = record.PanelId!,
            })));
    }

    private readonly record struct CompletePanel(PanelMapping Panel, decimal Sum, bool TotalTaken, int FirstDay, long FirstLine);
}
