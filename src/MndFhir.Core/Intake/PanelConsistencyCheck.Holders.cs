using MndFhir.Records;

namespace MndFhir.Intake;

// Which row holds a panel's item (or total): one of this file, or one imported before, unless the file gave it up; a
// second row for it is a repeat.
public sealed partial class PanelConsistencyCheck
{
    private enum Holder
    {
        /// <summary>No row imported before holds the item, or it gave the item up.</summary>
        None,

        /// <summary>A row imported before holds the item.</summary>
        Another,

        /// <summary>A row imported before holds the item and was not read yet: it may still give the item up.</summary>
        NotReadYet,
    }

    /// <summary>
    /// Whether a row imported before, of another assessment, holds the row's item. It gives the item up when its own row
    /// is in this file and went through: retracted (its code and patient the row's), or with another panel or code (its
    /// row with this panel and code would have taken the item in this file, making the row at hand a repeat); and when
    /// it is not in the file at all and the import marks it removed. Before the end of the file a holder not read yet
    /// may still do either (<see cref="Holder.NotReadYet"/>); a holder read only in rejected rows stays as it was.
    /// </summary>
    private Holder HolderOf(AssessmentRecord record)
    {
        if (imported is null || !imported.TryGetHolder(record.PanelId!, record.Code, out var holder) || holder == IdHash.Of(record.AssessmentId))
        {
            return Holder.None;
        }

        if (read is null)
        {
            return Holder.Another;
        }

        if (!read.Contains(holder))
        {
            return !_finishing ? Holder.NotReadYet : _unreadRemoved ? Holder.None : Holder.Another;
        }

        if (!read.TryGetContent(holder, out _) || _notThrough.Contains(holder))
        {
            return Holder.Another;
        }

        return _retractions.TryGetValue(holder, out var retraction) && retraction != IdHash.Of(record.Code, record.PatientId) ? Holder.Another : Holder.None;
    }

    /// <summary>Whether a row imported before is not in this file and is marked removed at the end of the import.</summary>
    private bool GoneAtEnd(ulong id) => _unreadRemoved && read is not null && !read.Contains(id);

    private void RejectRepeat(AssessmentRecord record, long line, bool imported) =>
        Reject(record, line, "code", IntakeRules.PanelItemRepeated, imported
            ? $"{record.Code} appears twice in panel {record.PanelId}: a row imported before holds it (one administration has each item once; to replace that row, retract it or give it another panel or code in the same export, or remove it from a complete export)"
            : $"{record.Code} appears twice in panel {record.PanelId}: an earlier row of this file holds it (one administration has each item once)");
}
