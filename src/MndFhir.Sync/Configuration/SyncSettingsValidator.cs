using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace MndFhir.Sync.Configuration;

/// <summary>Checks every destination's data annotations and cross-field rules at start-up, naming the destination.</summary>
public sealed class SyncSettingsValidator : IValidateOptions<SyncSettings>
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
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
