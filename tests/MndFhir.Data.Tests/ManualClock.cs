namespace MndFhir.Data.Tests;

/// <summary>A clock the test moves by hand, to cross a lease's expiry without waiting.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
