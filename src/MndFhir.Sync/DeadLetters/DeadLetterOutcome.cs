using System.Text.Json;

namespace MndFhir.Sync.DeadLetters;

/// <summary>Reads the essentials out of a destination's OperationOutcome.</summary>
public static class DeadLetterOutcome
{
    public static string Summarize(string? outcome)
    {
        if (string.IsNullOrWhiteSpace(outcome))
        {
            return "(no answer recorded)";
        }

        try
        {
            using var doc = JsonDocument.Parse(outcome);
            if (!doc.RootElement.TryGetProperty("issue", out var issues) || issues.GetArrayLength() == 0)
            {
                return "(answer without issues)";
            }

            var issue = issues[0];
            var severity = issue.TryGetProperty("severity", out var s) ? s.GetString() : "?";
            var code = issue.TryGetProperty("code", out var c) ? c.GetString() : "?";
            var where = issue.TryGetProperty("expression", out var e) && e.GetArrayLength() > 0 ? e[0].GetString() : null;
            var text = issue.TryGetProperty("details", out var d) && d.TryGetProperty("text", out var t) ? t.GetString() : null;
            var more = issues.GetArrayLength() > 1 ? $" (+{issues.GetArrayLength() - 1} more)" : string.Empty;
            return $"{severity} {code}{(where is null ? string.Empty : " at " + where)}{(text is null ? string.Empty : ": " + text)}{more}";
        }
        catch (JsonException)
        {
            return outcome.Length > 120 ? outcome[..120] + "..." : outcome;
        }
    }
}
