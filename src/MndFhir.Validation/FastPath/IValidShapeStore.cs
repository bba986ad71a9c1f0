namespace MndFhir.Validation.FastPath;

/// <summary>
/// Where shapes the full validator found valid are remembered beyond one process (the database), so a new process
/// needs the Firely validator only for shapes it has never seen. Keys already include the validation environment.
/// </summary>
public interface IValidShapeStore
{
    bool Contains(string key);

    void Add(string key);
}
