namespace MndFhir.Sync.Delivery;

/// <summary>What a server answered for one entry of a bundle (or to one request): status, where the resource is, its outcome.</summary>
public sealed record BundleEntryAnswer(string Status, string? Location, string? Version, string? Outcome)
{
    public bool Succeeded => Status.StartsWith('2');

    public bool Created => Status.StartsWith("201", StringComparison.Ordinal);

    /// <summary>The HTTP status code at the start of <see cref="Status"/> (e.g. 422 of "422 Unprocessable Entity").</summary>
    public int? StatusCode => int.TryParse(Status.AsSpan(0, Math.Min(3, Status.Length)), out var code) ? code : null;
}
