using System.Globalization;
using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Intake;

/// <summary>
/// The panel rule of the contract: a questionnaire's total (ALSFRSR_TOTAL) must equal the sum of its items when all
/// items of the same panel_id are present. Fed with accepted assessment rows as they stream; keeps only a few numbers
/// per panel; at the end yields a rejection for every total that disagrees (the items themselves stay accepted).
/// </summary>
public sealed class PanelConsistencyCheck(MappingSet rules)
{
    private readonly Dictionary<string, PanelState> _panels = new(StringComparer.Ordinal);
    public void Add(AssessmentRecord record, long line)
    {
        if (record.PanelId is null || record.Status == AssessmentStatus.EnteredInError
            || !rules.PanelOfMeasure.TryGetValue(record.Code, out var panel)
            || !decimal.TryParse(record.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return;
        }

        if (!_panels.TryGetValue(record.PanelId, out var state))
        {
            state = new PanelState(panel);
            _panels[record.PanelId] = state;
        }

        if (record.Code == panel.Total)
        {
            state.Total = (record, line, value);
        }
        else if (state.Add(record.Code))
        {
            state.Sum += value;
        }
    }

    public IEnumerable<RowRejection> Complete()
    {
        var file = ClinicFile.Assessments.FileName();
        foreach (var (panelId, state) in _panels)
        {
            if (state.Total is not { } total || state.Count != state.Panel.Items.Count || total.Value == state.Sum)
            {
                continue;
            }

            yield return new RowRejection(
                file,
                total.Line,
                "value",
                IntakeRules.PanelTotalMismatch,
                $"{file} line {total.Line}, column value: {state.Panel.Total} of panel {panelId} is {total.Value.ToString(CultureInfo.InvariantCulture)} but its {state.Count} items sum to {state.Sum.ToString(CultureInfo.InvariantCulture)}",
                total.Record.AssessmentId,
                new Dictionary<string, string>
                {
                    ["assessment_id"] = total.Record.AssessmentId,
                    ["patient_id"] = total.Record.PatientId,
                    ["code"] = total.Record.Code,
                    ["value"] = total.Record.Value ?? string.Empty,
                    ["effective"] = total.Record.Effective.Value,
                    ["panel_id"] = panelId,
                });
        }

        _panels.Clear();
    }

    /// <summary>One panel as read so far: which of its items were seen (a bit each), their sum and the total row.</summary>
    private sealed class PanelState(PanelMapping panel)
    {
        private readonly ulong[] _seen = new ulong[(panel.Items.Count + 63) / 64];

        public PanelMapping Panel { get; } = panel;

        public int Count { get; private set; }

        public decimal Sum { get; set; }

        public (AssessmentRecord Record, long Line, decimal Value)? Total { get; set; }

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
