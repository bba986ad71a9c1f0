namespace MndFhir.Sync.Scheduling;

/// <summary>Some destination's sync failed in a run of the main job: the message names each and why, on one line each.</summary>
public sealed class MainJobFailedException : Exception
{
    public MainJobFailedException()
    {
    }

    public MainJobFailedException(string message)
        : base(message)
    {
    }

    public MainJobFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MainJobFailedException(MainJobResult result)
        : base(Describe(result))
    {
    }

    private static string Describe(MainJobResult result) =>
        string.Join(
            "\n",
            result.Failures.Select(f => $"{f.Destination}: {f.Error.Message}")
                .Concat(result.Syncs.Where(s => s.Error is not null).Select(s => $"{s.Destination}: {s.Error}")));
}
