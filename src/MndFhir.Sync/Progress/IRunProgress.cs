namespace MndFhir.Sync.Progress;

/// <summary>Where imports and syncs say how far they have come: the log in the service, the terminal in the CLI.</summary>
public interface IRunProgress
{
    /// <summary>Called often (every few hundred items); implementations decide how often to show it.</summary>
    void Report(RunProgress progress);
}
