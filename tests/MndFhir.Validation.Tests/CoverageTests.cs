using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Tests;
using MndFhir.Validation.Coverage;

namespace MndFhir.Validation.Tests;

/// <summary>
/// Every sample record maps and validates with zero errors, every clinic code is exercised by the samples, and the
/// published report (docs/mapping-coverage.md) is what the mappings make today.
/// Accept an intended change: MNDFHIR_ACCEPT_GOLDEN=1 dotnet test tests/MndFhir.Validation.Tests, then review the diff.
/// </summary>
public sealed class CoverageTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    [Fact]
    public async Task Every_sample_record_maps_and_validates_and_every_clinic_code_is_exercised()
    {
        var report = await MappingCoverage.BuildAsync(
            fixture.Rules,
            new ClinicIdentity("https://mndfhir.example.org/fhir/sid/demo-clinic"),
            fixture.Validator,
            Path.Combine(RepositoryPaths.Samples, "clinic-export"),
            "samples/clinic-export",
            CancellationToken.None);

        Assert.Equal(0, report.Rejected);
        Assert.True(report.Invalid == 0, string.Join("\n", report.Rows.Where(r => r.FirstProblem is not null).Select(r => $"{r.Code}: {r.FirstProblem}")));
        Assert.Empty(report.NotExercised.Select(r => $"{r.Kind} {r.Code}"));
        Assert.Equal(14_278 + 505 + 60 + 60 + 608 + 608, report.Resources);
        Assert.All(ClinicVocabulary.TreatmentCodes.Concat(ClinicVocabulary.MeasureCodes), code => Assert.Contains(report.Rows, r => r.Code == code && r.Resources > 0));

        var path = Path.Combine(RepositoryPaths.Root, "docs", "mapping-coverage.md");
        var markdown = report.ToMarkdown();
        if (Environment.GetEnvironmentVariable("MNDFHIR_ACCEPT_GOLDEN") == "1")
        {
            await File.WriteAllTextAsync(path, markdown);
        }

        Assert.True(
            File.Exists(path) && await File.ReadAllTextAsync(path) == markdown,
            "docs/mapping-coverage.md is out of date: run mndfhir mappings coverage --export samples/clinic-export --out docs/mapping-coverage.md (from the repository root) and commit it.");
    }
}
