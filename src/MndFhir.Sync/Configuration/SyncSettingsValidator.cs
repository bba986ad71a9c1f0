using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace MndFhir.Sync.Configuration;

/// <summary>
/// Checks every destination's data annotations and cross-field rules at start-up, naming the destination; and refuses
/// to send to a real FHIR server (any not on loopback) under the samples' example identifier system, because business
/// identifiers can never change once a server holds them.
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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
