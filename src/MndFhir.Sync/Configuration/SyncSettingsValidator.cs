using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace MndFhir.Sync.Configuration;

/// <summary>
/// Checks every destination's data annotations and cross-field rules at start-up, naming the destination; refuses
/// to send to a real FHIR server (any not on loopback) under the samples' example identifier system, because business
/// identifiers can never change once a server holds them; and refuses two NDJSON destinations sharing a folder.
/// </summary>
public sealed class SyncSettingsValidator(IOptions<ClinicOptions> clinic) : IValidateOptions<SyncSettings>
{
    public ValidateOptionsResult Validate(string? name, SyncSettings options)
    {
        var failures = new List<string>();
        foreach (var destination in options.Destinations)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(destination, new ValidationContext(destination), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => $"Destination '{destination.Name}': {r.ErrorMessage}"));
            }

            if (destination.Kind == DestinationKind.FhirRest && destination.BaseUrl is { IsAbsoluteUri: true } url && !url.IsLoopback
                && string.Equals(clinic.Value.IdentifierSystem, ClinicOptions.ExampleIdentifierSystem, StringComparison.OrdinalIgnoreCase))
            {
                failures.Add(
                    $"Destination '{destination.Name}': Clinic:IdentifierSystem is still the example {ClinicOptions.ExampleIdentifierSystem}. " +
                    "Set the clinic's own URI before sending to a real FHIR server: every business identifier is built on it and can never change once sent.");
            }
        }

        // A sync removes the temporary and unlisted files that interrupted syncs left in its folder: a second
        // destination writing there could lose a part between its rename and its manifest.
        foreach (var shared in options.Destinations
            .Where(d => d.Kind == DestinationKind.NdjsonFolder && !string.IsNullOrWhiteSpace(d.Folder))
            .GroupBy(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d.Folder!)), OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal)
            .Where(g => g.Count() > 1))
        {
            failures.Add($"Destinations {string.Join(", ", shared.Select(d => $"'{d.Name}'"))} share the folder {shared.Key}: each NdjsonFolder destination needs its own.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
