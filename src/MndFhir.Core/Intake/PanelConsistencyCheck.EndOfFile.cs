using System.Globalization;
using MndFhir.Records;

namespace MndFhir.Intake;

// The end of the file: what the check could not decide while the rows streamed (totals of panels still incomplete, items
// waiting for a total imported before, rows waiting for a holder imported before), decided with the whole file read and
// the panel rows imported before that the caller looks up for those panels only.
public sealed partial class PanelConsistencyCheck
{
    /// <summary>
    /// The panel_ids whose total is still undecided at the end of the file because not all of their items were in it:
    /// the panels whose items imported before <see cref="Finish(IEnumerable{StoredPanelItem}?, bool)"/> wants. Only those
    /// (most often none: an export holds its panels whole), so the caller never loads every stored item.
    /// </summary>
    public IReadOnlyList<string> PanelsAwaitingStoredItems() =>
        imported is null ? [] : [.. _open.Where(p => p.Value.Totals.Count > 0).Select(p => p.Key)
            .Union(_heldItems.Keys, StringComparer.Ordinal)
            .Union(_pendingItems.Select(p => p.Record.PanelId!).Concat(_pendingTotals.Select(p => p.Record.PanelId!)), StringComparer.Ordinal)];

    /// <summary>
    /// Whether what <see cref="Finish(IEnumerable{StoredPanelItem}?, bool)"/> decides may depend on rows imported before
    /// that this file does not hold being marked removed at the end of the import: the caller then works that out.
    /// </summary>
    public bool DependsOnRemovals => imported is not null && (_pendingItems.Count > 0 || _pendingTotals.Count > 0 || PanelsAwaitingStoredItems().Count > 0);

    /// <summary>
    /// Ends the file: the totals of panels still incomplete are summed with the panel's items imported before and still
    /// held (<paramref name="stored"/>, for <see cref="PanelsAwaitingStoredItems"/>), when that completes the panel;
    /// otherwise they are handed back unsummed (a repeated one rejected). Then the items held back because their panel
    /// has a total imported before, when no total of this file went through: when the panel's items in force (this
    /// file's and those imported before) are all there and their sum is not the stored total still in force, every held
    /// row that would change what is stored is rejected (<see cref="IntakeRules.PanelTotalMismatch"/>), so that what
    /// was stored stays as it was, consistent; the others go through.
    /// </summary>
    /// <param name="unreadRemoved">Whether the rows imported before that this file does not hold are marked removed at the
    /// end of the import (a complete export whose removals go through): they then give up their item, as if retracted.</param>
    public void Finish(IEnumerable<StoredPanelItem>? stored = null, bool unreadRemoved = false)
    {
        _finishing = true;
        _unreadRemoved = unreadRemoved;
        ResolvePending();
        var held = stored?.GroupBy(i => i.PanelId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var (panelId, state) in _open)
        {
            var (sum, before) = held is not null && state.Totals.Count > 0 && held.TryGetValue(panelId, out var items) ? SumWith(panelId, state, items) : (null, 0);
            var taken = false;
            foreach (var (total, line, value) in state.Totals)
            {
                taken |= Decide(total, line, value, state.Panel, sum, taken, before);
            }

            if (taken)
            {
                Release(panelId);
            }
        }

        foreach (var panelId in _heldItems.Keys.ToList())
        {
            var items = held?.GetValueOrDefault(panelId) ?? [];
            var (sum, before) = _complete.TryGetValue(IdHash.Of(panelId), out var complete) ? (complete.Sum, 0)
                : held is not null && _open.TryGetValue(panelId, out var state) ? SumWith(panelId, state, items)
                : (null, 0);
            if (sum is { } itemSum && StoredTotalInForce(panelId, items) is { } total && total.Value != itemSum)
            {
                HoldBack(panelId, items, itemSum, before, total);
            }

            Release(panelId);
        }

        _open.Clear();
        _complete.Clear();
    }

    /// <summary>
    /// The items and totals that waited for the row imported before holding their item, now that the whole file was read:
    /// each takes its item when that row gave it up (retracted or moved anywhere in the file, or gone from a complete
    /// export), in the order read, and is a repeat otherwise.
    /// </summary>
    private void ResolvePending()
    {
        foreach (var (record, line, value, day) in _pendingItems)
        {
            _notThrough.Remove(IdHash.Of(record.AssessmentId));
            var byImported = _retaken.Contains(IdHash.Of(record.PanelId!, record.Code));
            if (_complete.ContainsKey(IdHash.Of(record.PanelId!)) || _open.GetValueOrDefault(record.PanelId!) is not { } state)
            {
                // The panel was completed without it: a later row of this file took its item (the row imported before, or another).
                RejectRepeat(record, line, imported: byImported);
                continue;
            }

            var index = state.IndexOf(record.Code);
            if (state.Holds(index) || HolderOf(record) != Holder.None)
            {
                RejectRepeat(record, line, imported: byImported || !state.Holds(index));
            }
            else if (!TakeItem(record, line, value, day, state, index))
            {
                _decided.Add(new PanelDecision(record, line, null));
            }
        }

        foreach (var (total, line, value) in _pendingTotals)
        {
            _notThrough.Remove(IdHash.Of(total.AssessmentId));
            var key = IdHash.Of(total.PanelId!);
            var complete = _complete[key];
            if (Decide(total, line, value, complete.Panel, complete.Sum, complete.TotalTaken))
            {
                _complete[key] = complete with { TotalTaken = true };
                Release(total.PanelId!);
            }
        }

        _pendingItems.Clear();
        _pendingTotals.Clear();
        _pendingHolders.Clear();
        _retaken.Clear();
    }

    /// <summary>Lets the held items of a panel through (those not rejected), in the order read.</summary>
    private void Release(string panelId)
    {
        if (_heldItems.Remove(panelId, out var rows))
        {
            _decided.AddRange(rows.Where(r => !_notThrough.Contains(IdHash.Of(r.Record.AssessmentId))).Select(r => new PanelDecision(r.Record, r.Line, null)));
        }
    }

    /// <summary>
    /// The total imported before that is still in force at the end of this file, with its value: the holder of the
    /// panel's total, unless its row of this file went through (a total of this file that went through released the
    /// items already) or withdrew it; null when there is none or its value is not a number.
    /// </summary>
    private (string AssessmentId, decimal Value)? StoredTotalInForce(string panelId, List<StoredPanelItem> items)
    {
        var first = _heldItems[panelId][0].Record;
        var panel = rules.PanelOfMeasure[first.Code];
        if (panel.Total is not { } totalCode
            || !imported!.TryGetHolder(panelId, totalCode, out var holder)
            || GoneAtEnd(holder)
            || (read is not null && read.TryGetContent(holder, out _) && !_notThrough.Contains(holder)
                && !(_retractions.TryGetValue(holder, out var retraction) && retraction != IdHash.Of(totalCode, first.PatientId))))
        {
            return null;
        }

        var total = items.FirstOrDefault(i => i.Code == totalCode && IdHash.Of(i.AssessmentId) == holder);
        return total is not null && decimal.TryParse(total.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? (total.AssessmentId, value) : null;
    }

    /// <summary>Rejects the held items of a panel that would change what is stored: new rows, and rows stored with other content.</summary>
    private void HoldBack(string panelId, List<StoredPanelItem> items, decimal sum, int before, (string AssessmentId, decimal Value) total)
    {
        var unchanged = items.Where(i => i.ContentHash is not null).Select(i => (i.AssessmentId, i.ContentHash)).ToHashSet();
        foreach (var (record, line) in _heldItems[panelId])
        {
            if (unchanged.Contains((record.AssessmentId, record.ContentHash)))
            {
                continue;
            }

            var panel = rules.PanelOfMeasure[record.Code];
            Reject(record, line, "value", IntakeRules.PanelTotalMismatch,
                $"{record.Code} of panel {panelId}: with this row its {panel.Items.Count} items are all in force"
                + (before > 0 ? $" ({before} of them imported before, not in this file)" : string.Empty)
                + $" and sum to {sum.ToString(CultureInfo.InvariantCulture)}, but the panel's total in force, assessment {total.AssessmentId} imported before, is {total.Value.ToString(CultureInfo.InvariantCulture)};"
                + " the row is held back so that no total disagrees with its items (correct or retract the total, or correct the items)");
        }
    }

    /// <summary>
    /// The sum of a panel's items, those of this file and those imported before that still hold their item (the holder
    /// <paramref name="imported"/> names, its row not in this file, or in it but rejected: its stored record stays as it
    /// was); null when an item is still missing or a stored value is not a number. Also how many came from before.
    /// </summary>
    private (decimal? Sum, int Before) SumWith(string panelId, PanelState state, List<StoredPanelItem> items)
    {
        var sum = state.Sum;
        var count = state.Count;
        var before = 0;
        var counted = new bool[state.Panel.Items.Count];
        foreach (var item in items)
        {
            var index = -1;
            for (var i = 0; i < state.Panel.Items.Count; i++)
            {
                if (string.Equals(state.Panel.Items[i], item.Code, StringComparison.Ordinal))
                {
                    index = i;
                    break;
                }
            }

            var id = IdHash.Of(item.AssessmentId);
            if (index < 0 || state.Holds(index) || counted[index]
                || !imported!.TryGetHolder(panelId, item.Code, out var holder) || holder != id || GoneAtEnd(id)
                || (read is not null && read.TryGetContent(id, out _) && !_notThrough.Contains(id)))
            {
                continue;
            }

            if (!decimal.TryParse(item.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return (null, 0);
            }

            counted[index] = true;
            sum += value;
            count++;
            before++;
        }

        return count == state.Panel.Items.Count ? (sum, before) : (null, 0);
    }

    /// <summary>Ends the file and returns the rejections not yet taken (totals that disagree with their items, repeats).</summary>
    public IEnumerable<RowRejection> Complete()
    {
        Finish();
        return TakeDecided().Select(d => d.Rejection).OfType<RowRejection>();
    }
}
