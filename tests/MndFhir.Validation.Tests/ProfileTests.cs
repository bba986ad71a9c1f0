using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using MndFhir.Mapping;
using MndFhir.Serialization;
using MndFhir.Tests;

namespace MndFhir.Validation.Tests;

/// <summary>
/// The project's StructureDefinitions (mappings/profiles) are sound, the accepted output (samples/golden) conforms to
/// FHIR R4 and to them, and a resource that breaks a rule is reported with the element and the rule.
/// </summary>
public sealed class ProfileTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private static readonly string GoldenFolder = Path.Combine(RepositoryPaths.Samples, "golden");

    [Fact]
    public void Every_profile_and_extension_definition_generates_a_snapshot_without_issues()
    {
        var problems = fixture.Validator.CheckProfiles();

        Assert.Empty(problems);
        Assert.Equal(11, Directory.GetFiles(Path.Combine(RepositoryPaths.Mappings, "profiles"), "*.json").Length);
    }

    [Fact]
    public void Every_profile_and_extension_the_mappers_use_is_published_under_the_canonical_base()
    {
        var urls = Directory.GetFiles(Path.Combine(RepositoryPaths.Mappings, "profiles"), "*.json")
            .Select(f => FhirJson.Deserialize<StructureDefinition>(File.ReadAllText(f)).Url)
            .ToHashSet(StringComparer.Ordinal);
        var used = Directory.GetFiles(GoldenFolder, "*.json")
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f), "\"(https://[^\"]+/StructureDefinition/[^\"]+)\""))
            .Select(m => m.Groups[1].Value)
            .ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(used);
        Assert.All(used, url => Assert.Contains(url, urls));
        Assert.All(urls, url => Assert.StartsWith(fixture.Rules.CanonicalBase + "/StructureDefinition/", url, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_golden_resource_conforms_to_fhir_r4_and_the_project_profiles_with_no_errors_or_warnings()
    {
        var files = Directory.GetFiles(GoldenFolder, "*.json");
        var findings = files
            .SelectMany(f => fixture.Validator.Validate(FhirJson.Deserialize<Resource>(File.ReadAllText(f))).Lines(includeWarnings: true)
                .Select(line => $"{Path.GetFileName(f)}: {line}"))
            .ToList();

        Assert.True(files.Length >= 45, $"only {files.Length} golden files");
        Assert.True(findings.Count == 0, string.Join("\n", findings));
    }

    [Fact]
    public void Validating_in_parallel_from_a_cold_start_gives_the_same_verdicts_as_one_at_a_time()
    {
        // The service runs syncs of several destinations at once on one validator, which the Firely validator does not
        // survive while it loads schemas (a false "Failed to convert ElementDefinition" error): the validator must
        // serialize its callers. A fresh instance, so the first validations, which load the schemas, are concurrent.
        var validator = FirelyResourceValidator.ForMappings(RepositoryPaths.Mappings);
        var resources = Directory.GetFiles(GoldenFolder, "*.json").Select(f => FhirJson.Deserialize<Resource>(File.ReadAllText(f))).ToList();
        var broken = Golden<Observation>("Observation-FVC");
        ((Quantity)broken.Value!).System = "http://example.org/units";
        resources.Add(broken);

        var verdicts = Enumerable.Repeat(resources, 4).SelectMany(r => r).AsParallel().WithDegreeOfParallelism(8)
            .Select(r => (r, validator.Validate(r).IsValid)).ToList();

        Assert.All(verdicts, v => Assert.Equal(!ReferenceEquals(v.r, broken), v.IsValid));
    }

    [Fact]
    public void The_cache_validates_the_same_content_once_and_new_content_again()
    {
        var counting = new CountingValidator(fixture.Validator);
        var cached = new CachingResourceValidator(counting, capacity: 2);
        var fvc = Golden<Observation>("Observation-FVC");

        Assert.True(cached.Validate(fvc).IsValid);
        Assert.True(cached.Validate(Golden<Observation>("Observation-FVC")).IsValid);
        Assert.Equal(1, counting.Calls);
        var copy = Golden<Observation>("Observation-FVC");
        Assert.True(cached.Validate(copy, FhirJson.Hash(FhirJson.Serialize(copy))).IsValid); // the sync passes the hash it holds
        Assert.Equal(1, counting.Calls);

        ((Quantity)fvc.Value!).System = "http://example.org/units";
        Assert.False(cached.Validate(fvc).IsValid);
        Assert.Equal(2, counting.Calls);

        Assert.True(cached.Validate(Golden<Observation>("Observation-FVC_PCT")).IsValid); // third entry: the cache starts again
        Assert.True(cached.Validate(Golden<Observation>("Observation-FVC")).IsValid);
        Assert.Equal(4, counting.Calls);
    }

    [Fact]
    public void A_stem_cell_procedure_claims_its_profile_and_carries_the_cell_product_by_extension()
    {
        var procedure = Golden<Procedure>("Procedure-SC_INTRATHECAL");

        Assert.Equal(fixture.Rules.Profile("mnd-stem-cell-procedure"), Assert.Single(procedure.Meta!.Profile));
        Assert.Empty(procedure.UsedReference);
        var product = Assert.IsType<ResourceReference>(procedure.GetExtension(fixture.Rules.Extension("procedure-cell-product"))?.Value);
        Assert.Equal("#cells", product.Reference);
        Assert.IsType<BiologicallyDerivedProduct>(Assert.Single(procedure.Contained));
    }

    [Fact]
    public void A_missing_required_element_is_an_error_naming_the_element()
    {
        var observation = Golden<Observation>("Observation-FVC");
        observation.Subject = null;
        observation.Effective = null;

        var report = fixture.Validator.Validate(observation);

        Assert.False(report.IsValid);
        Assert.Contains(report.Errors, i => i.Expression.Any(e => e!.StartsWith("Observation", StringComparison.Ordinal)) && Text(i).Contains("subject", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(report.Errors, i => Text(i).Contains("effective", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_quantity_not_in_ucum_breaks_the_outcome_observation_rule()
    {
        var observation = Golden<Observation>("Observation-FVC");
        ((Quantity)observation.Value!).System = "http://example.org/units";

        var report = fixture.Validator.Validate(observation);

        var error = Assert.Single(report.Errors);
        Assert.Contains("mnd-obs-2", Text(error), StringComparison.Ordinal);
    }

    [Fact]
    public void A_session_number_beyond_the_course_breaks_the_course_rule()
    {
        var procedure = Golden<Procedure>("Procedure-SC_INTRATHECAL");
        var session = procedure.GetExtension(fixture.Rules.Extension("procedure-course-session"))!;
        session.SetExtension("number", new PositiveInt(9));

        var report = fixture.Validator.Validate(procedure);

        Assert.Contains(report.Errors, i => Text(i).Contains("mnd-course-1", StringComparison.Ordinal));
    }

    [Fact]
    public void A_cell_product_in_used_reference_is_rejected_as_r4_does_not_allow_it()
    {
        var procedure = Golden<Procedure>("Procedure-SC_INTRAVENOUS");
        procedure.UsedReference.Add(new ResourceReference("#cells"));

        var report = fixture.Validator.Validate(procedure);

        Assert.Contains(report.Errors, i => Text(i).Contains("BiologicallyDerivedProduct", StringComparison.Ordinal));
    }

    [Fact]
    public void A_cell_product_without_its_source_breaks_the_cell_product_profile()
    {
        var procedure = Golden<Procedure>("Procedure-SC_LOCAL");
        var product = (BiologicallyDerivedProduct)procedure.Contained[0];
        product.RemoveExtension(fixture.Rules.Extension("cell-source"));

        var report = fixture.Validator.Validate(procedure);

        Assert.Contains(report.Errors, i => i.Expression.Any(e => e!.Contains("contained", StringComparison.Ordinal)) && Text(i).Contains("cellSource", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_local_reference_to_a_missing_contained_resource_is_still_reported_despite_the_ref1_workaround()
    {
        var procedure = Golden<Procedure>("Procedure-SC_LOCAL");
        procedure.GetExtension(fixture.Rules.Extension("procedure-cell-product"))!.Value = new ResourceReference("#nothing");

        var report = fixture.Validator.Validate(procedure);

        Assert.Contains(report.Errors, i => Text(i).Contains("ref-1", StringComparison.Ordinal));
    }

    private sealed class CountingValidator(IResourceValidator inner) : IResourceValidator
    {
        public int Calls { get; private set; }

        public ValidationReport Validate(Resource resource)
        {
            Calls++;
            return inner.Validate(resource);
        }
    }

    private static T Golden<T>(string name)
        where T : Resource => FhirJson.Deserialize<T>(File.ReadAllText(Path.Combine(GoldenFolder, name + ".json")));

    private static string Text(OperationOutcome.IssueComponent issue) => ValidationReport.Line(issue);
}
