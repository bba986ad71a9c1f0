using MndFhir.Sync.DeadLetters;
using MndFhir.Sync.Delivery;

namespace MndFhir.Sync.Tests.Delivery;

public sealed class OperationOutcomeReasonTests
{
    [Theory]
    [InlineData(
        """{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception","diagnostics":"Conditional update query returned too many matches: 2"}]}""",
        "error exception: Conditional update query returned too many matches: 2")]
    [InlineData(
        """{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","expression":["Observation.valueQuantity"],"details":{"text":"Invalid unit"}}]}""",
        "error invalid at Observation.valueQuantity: Invalid unit")]
    [InlineData(
        """{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"informational","diagnostics":"took long"},{"severity":"error","code":"processing","details":{"coding":[{"system":"x","code":"SD_TYPE_NOT_ALLOWED","display":"Type not allowed"}]}}]}""",
        "error processing: Type not allowed (+1 more)")]
    [InlineData(
        """{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","location":["/f:Patient/f:birthDate"],"details":{"coding":[{"code":"MSG_DATE"}]}}]}""",
        "error processing at /f:Patient/f:birthDate: MSG_DATE")]
    [InlineData("<html>Bad Gateway</html>", "<html>Bad Gateway</html>")]
    public void The_reason_is_found_wherever_the_server_puts_it(string outcome, string reason)
    {
        Assert.Equal(reason, OperationOutcomeReason.Of(outcome));
    }

    [Fact]
    public void A_dead_letter_names_its_HTTP_status_or_says_it_was_never_sent()
    {
        const string outcome = """{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception","diagnostics":"Conditional update query returned too many matches: 2"}]}""";
        var rejected = new DeadLetter(1, "hospital", "Observation", "A-1", "A-1", 1, DateTimeOffset.UnixEpoch, 412, outcome);
        var invalid = new DeadLetter(2, "hospital", "Observation", "A-2", "A-2", 1, DateTimeOffset.UnixEpoch, null, null);

        Assert.Equal("HTTP 412: error exception: Conditional update query returned too many matches: 2", rejected.Summary);
        Assert.Equal("not sent (invalid): (no answer recorded)", invalid.Summary);
    }
}
