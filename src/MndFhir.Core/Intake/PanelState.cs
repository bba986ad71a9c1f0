using MndFhir.Mapping;
using MndFhir.Records;

namespace MndFhir.Intake;

/// <summary>
/// One panel as <see cref="PanelConsistencyCheck"/> has read it so far: which of its items were taken (a bit each), their sum, its total rows, and the day and
/// line of its first row that went through (line 0: none yet).
/// </summary>
internal sealed class PanelState(PanelMapping panel)
{
    private readonly ulong[] _taken = new ulong[(panel.Items.Count + 63) / 64];

    public PanelMapping Panel { get; } = panel;

    public int Count { get; private set; }

    public decimal Sum { get; set; }

    public int FirstDay { get; private set; }

    public long FirstLine { get; private set; }

    public List<(AssessmentRecord Record, long Line, decimal Value)> Totals { get; } = [];

    /// <summary>Whether the item at <paramref name="index"/> was taken by an earlier row.</summary>
    public bool Holds(int index) => (_taken[index / 64] & (1UL << (index % 64))) != 0;

    /// <summary>Dates the panel by its first row that went through.</summary>
    public void Dated(int day, long line)
    {
        if (FirstLine == 0)
        {
            (FirstDay, FirstLine) = (day, line);
        }
    }

    public void Take(int index)
    {
        _taken[index / 64] |= 1UL << (index % 64);
        Count++;
    }

    public int IndexOf(string code)
    {
        for (var i = 0; i < Panel.Items.Count; i++)
        {
            if (string.Equals(Panel.Items[i], code, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new ArgumentException($"{code} is not an item of {Panel.Code}", nameof(code));
    }
}
