using System.Globalization;
using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Intake;

/// <summary>
/// The panel rule of the contract: a questionnaire's total (ALSFRSR_TOTAL) must equal the sum of its items when all
/// items of the same panel_id are present. Fed with accepted assessment rows as they stream. A total is decided as soon
/// as all items of its panel were read (the sum can no longer change: a repeated item counts once), so the check holds
/// only the totals of panels still incomplete, and of a complete panel no more than its id's hash and its sum. A total
/// whose panel is still incomplete at the end is not checked (the rule needs every item).
/// </summary>
public sealed class PanelConsistencyCheck(MappingSet rules)
{
    private readonly Dictionary<string, PanelState> _open = new(StringComparer.Ordinal);

    // Complete panels: the IdHash of the panel id, the panel and the sum of its items.
    private readonly Dictionary<ulong, (PanelMapping Panel, decimal Sum)> _complete = [];
    private readonly List<PanelDecision> _decided = [];

    /// <summary>
    /// Feeds an accepted row. True when the check takes it: a panel total, which the caller stores only once
    /// <see cref="TakeDecided"/> hands it back without a rejection.
    /// </summary>
    public bool Add(AssessmentRecord record, long line)
    {
        if (record.PanelId is null || record.Status == AssessmentStatus.EnteredInError
            || !rules.PanelOfMeasure.TryGetValue(record.Code, out var panel)
            || !decimal.TryParse(record.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        var isTotal = record.Code == panel.Total;
        var key = IdHash.Of(record.PanelId);
        if (_complete.TryGetValue(key, out var complete))
        {
            if (isTotal)
            {
                Decide(record, line, value, complete.Panel, complete.Sum);
            }

            return isTotal;
        }

        if (!_open.TryGetValue(record.PanelId, out var state))
        {
            state = new PanelState(panel);
            _open[record.PanelId] = state;
        }

        if (isTotal)
        {
            state.Totals.Add((record, line, value));
        }
        else if (state.Add(record.Code))
        {
            state.Sum += value;
        }

        if (state.Count == state.Panel.Items.Count)
        {
            _open.Remove(record.PanelId);
            _complete[key] = (state.Panel, state.Sum);
            foreach (var (total, totalLine, totalValue) in state.Totals)
            {
                Decide(total, totalLine, totalValue, state.Panel, state.Sum);
            }
        }

        return isTotal;
    }

    /// <summary>The totals decided since the last call, in the order decided: each to store, or its rejection.</summary>
    public List<PanelDecision> TakeDecided()
    {
        var decided = _decided.ToList();
        _decided.Clear();
        return decided;
    }

    /// <summary>Ends the file: the totals of panels still incomplete are handed back unchecked.</summary>
    public void Finish()
    {
        foreach (var state in _open.Values)
        {
            _decided.AddRange(state.Totals.Select(t => new PanelDecision(t.Record, t.Line, null)));
        }

        _open.Clear();
        _complete.Clear();
    }

    /// <summary>Ends the file and returns the rejections not yet taken (the totals that disagree with their items).</summary>
    public IEnumerable<RowRejection> Complete()
    {
        Finish();
        return TakeDecided().Select(d => d.Rejection).OfType<RowRejection>();
    }

    private void Decide(AssessmentRecord total, long line, decimal value, PanelMapping panel, decimal sum)
    {
        if (value == sum)
        {
            _decided.Add(new PanelDecision(total, line, null));
            return;
        }

        var file = ClinicFile.Assessments.FileName();
        _decided.Add(new PanelDecision(total, line, new RowRejection(
            file,
            line,
            "value",
            IntakeRules.PanelTotalMismatch,
            $"{file} line {line}, column value: {panel.Total} of panel {total.PanelId} is {value.ToString(CultureInfo.InvariantCulture)} but its {panel.Items.Count} items sum to {sum.ToString(CultureInfo.InvariantCulture)}",
            total.AssessmentId,
            new Dictionary<string, string>
            {
                ["assessment_id"] = total.AssessmentId,
                ["patient_id"] = total.PatientId,
                ["code"] = total.Code,
                ["value"] = total.Value ?? string.Empty,
                ["effective"] = total.Effective.Value,
                ["panel_id"] = total.PanelId!,
            })));
    }

    /// <summary>One panel as read so far: which of its items were seen (a bit each), their sum and its total rows.</summary>
    private sealed class PanelState(PanelMapping panel)
    {
        private readonly ulong[] _seen = new ulong[(panel.Items.Count + 63) / 64];

        public PanelMapping Panel { get; } = panel;

        public int Count { get; private set; }

        public decimal Sum { get; set; }

        public List<(AssessmentRecord Record, long Line, decimal Value)> Totals { get; } = [];

        /// <summary>Marks an item seen; false when it was already (a repeat is counted once).</summary>
        public bool Add(string code)
        {
            var index = IndexOf(Panel, code);
            if (index < 0 || (_seen[index / 64] & (1UL << (index % 64))) != 0)
            {
                return false;
            }

            _seen[index / 64] |= 1UL << (index % 64);
            Count++;
            return true;
        }

        private static int IndexOf(PanelMapping panel, string code)
        {
            for (var i = 0; i < panel.Items.Count; i++)
            {
                if (string.Equals(panel.Items[i], code, StringComparison.Ordinal))
                {
                    return i;
                }
            }

            return -1;
        }
    }
}

/// <summary>A panel total the check has decided: to be stored (no rejection) or quarantined.</summary>
public sealed record PanelDecision(AssessmentRecord Record, long Line, RowRejection? Rejection);
