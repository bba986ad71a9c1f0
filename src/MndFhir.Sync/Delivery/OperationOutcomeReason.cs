using System.Text.Json;

namespace MndFhir.Sync.Delivery;

/// <summary>
/// The server's reason in one line, wherever its OperationOutcome puts it: servers differ (HAPI writes
/// <c>diagnostics</c>, Medplum <c>details.text</c>, others only a coded <c>details.coding</c>), and an operator must see
/// it ("Conditional update query returned too many matches: 2" was only in diagnostics). The first error-level issue
/// wins, else the first issue: severity, code, location, then the text.
/// </summary>
public static class OperationOutcomeReason
{
    public static string? Of(string? outcome)
    {
        if (string.IsNullOrWhiteSpace(outcome))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(outcome);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("issue", out var issues)
                || issues.ValueKind != JsonValueKind.Array || issues.GetArrayLength() == 0)
            {
                return Shorten(outcome);
            }

            var all = issues.EnumerateArray().ToList();
            var issue = all.FirstOrDefault(i => Text(i, "severity") is "error" or "fatal");
            if (issue.ValueKind != JsonValueKind.Object)
            {
                issue = all[0];
            }

            var where = First(issue, "expression") ?? First(issue, "location");
            var details = issue.TryGetProperty("details", out var d) ? d : default;
            var coding = details.ValueKind == JsonValueKind.Object && details.TryGetProperty("coding", out var c) && c.ValueKind == JsonValueKind.Array && c.GetArrayLength() > 0 ? c[0] : default;
            var text = Text(details, "text") ?? Text(issue, "diagnostics") ?? Text(coding, "display") ?? Text(coding, "code");
            var more = all.Count > 1 ? $" (+{all.Count - 1} more)" : string.Empty;
            return $"{Text(issue, "severity") ?? "?"} {Text(issue, "code") ?? "?"}{(where is null ? string.Empty : " at " + where)}{(text is null ? string.Empty : ": " + Shorten(text))}{more}";
        }
        catch (JsonException)
        {
            return Shorten(outcome);
        }
    }

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? First(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0
            && value[0].ValueKind == JsonValueKind.String ? value[0].GetString() : null;

    private static string Shorten(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= 300 ? line : line[..300] + "…";
    }
}
