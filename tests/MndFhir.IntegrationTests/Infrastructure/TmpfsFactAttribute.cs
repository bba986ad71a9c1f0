namespace MndFhir.IntegrationTests.Infrastructure;

/// <summary>A test that fills a real file system with <see cref="Tmpfs"/>; skipped, saying why, where no tmpfs can be mounted.</summary>
internal sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (Tmpfs.Unavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
