using System.Text;
using MndFhir.Identity;
using MndFhir.Planning;
using MndFhir.Pseudonymisation;
using MndFhir.Sync.Configuration;

namespace MndFhir.Sync.Pseudonymisation;

/// <summary>
/// Per destination: the identifier systems its business identifiers live in (the clinic's, or the destination's
/// pseudonym systems), and what it receives of the planned resources (<see cref="PlanTarget"/>). The pseudonym key is
/// read from the environment or its file at each call, never kept in the configuration, never logged.
/// </summary>
public sealed class DestinationIdentities(ClinicIdentity clinic)
{
    public ClinicIdentity Clinic => clinic;

    /// <summary>The identifier systems of <paramref name="destination"/>: conditional updates, searches and references use them.</summary>
    public ClinicIdentity For(DestinationOptions destination) =>
        destination.Pseudonymise ? new ClinicIdentity(destination.PseudonymIdentifierSystem ?? $"{clinic.IdentifierBase}/pseudonym") : clinic;

    /// <summary>What <paramref name="destination"/> receives; throws <see cref="ConfigurationException"/> when its key is missing or short.</summary>
    public PlanTarget TargetFor(DestinationOptions destination) => destination.Pseudonymise
        ? new PlanTarget(MrnSystem: null, new Pseudonymiser(Key(destination, destination.PseudonymKeyVariable, destination.PseudonymKeyFile, "PseudonymKeyVariable"), For(destination), destination.DateShiftDays))
        : new PlanTarget(destination.HospitalMrnSystem);

    /// <summary>During a key rotation, what the destination received under the previous key; null otherwise.</summary>
    public PlanTarget? PreviousTargetFor(DestinationOptions destination) => destination.Pseudonymise && destination.PreviousPseudonymKeyVariable is { Length: > 0 } previous
        ? new PlanTarget(MrnSystem: null, new Pseudonymiser(Key(destination, previous, file: null, "PreviousPseudonymKeyVariable"), For(destination), destination.DateShiftDays))
        : null;

    /// <summary>The problem with a destination's key settings, for the configuration check; null when the keys can be read.</summary>
    public static string? KeyProblem(DestinationOptions destination)
    {
        if (!destination.Pseudonymise)
        {
            return null;
        }

        try
        {
            Key(destination, destination.PseudonymKeyVariable, destination.PseudonymKeyFile, "PseudonymKeyVariable");
            if (destination.PreviousPseudonymKeyVariable is { Length: > 0 } previous)
            {
                Key(destination, previous, file: null, "PreviousPseudonymKeyVariable");
            }

            return null;
        }
        catch (ConfigurationException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>The key bytes: the UTF-8 of the variable's value, or the file's bytes, trailing whitespace ignored; at least 32 bytes.</summary>
    private static byte[] Key(DestinationOptions destination, string? variable, string? file, string setting)
    {
        byte[] key;
        string source;
        if (variable is { Length: > 0 })
        {
            // An empty or blank value is a variable exported without its value: not set (as for the other secrets).
            var value = SecretVariables.Read(variable)
                ?? throw new ConfigurationException($"{setting}: the environment variable {variable} is not set (it holds the pseudonym key of '{destination.Name}')");
            key = Encoding.UTF8.GetBytes(value.TrimEnd());
            source = $"the environment variable {variable}";
        }
        else if (file is { Length: > 0 })
        {
            setting = "PseudonymKeyFile";
            if (!File.Exists(file))
            {
                throw new ConfigurationException($"{setting}: the key file {file} does not exist (it holds the pseudonym key of '{destination.Name}')");
            }

            var bytes = File.ReadAllBytes(file);
            var end = bytes.Length;
            while (end > 0 && bytes[end - 1] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
            {
                end--;
            }

            key = bytes[..end];
            source = $"the key file {file}";
        }
        else
        {
            throw new ConfigurationException($"PseudonymKeyVariable: '{destination.Name}' pseudonymises but names no key");
        }

        if (key.Length < Pseudonymiser.MinimumKeyBytes)
        {
            throw new ConfigurationException(
                $"{setting}: the pseudonym key of '{destination.Name}' in {source} has {key.Length} bytes; at least {Pseudonymiser.MinimumKeyBytes} are needed (e.g. openssl rand -base64 32)");
        }

        return key;
    }
}
