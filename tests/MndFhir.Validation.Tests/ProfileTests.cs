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
    public void Two_full_validators_working_at_once_from_a_cold_start_find_what_one_finds_alone()
    {
        // The fast path runs a Firely validator per thread for new shapes (ValidationGate validates a batch on two
        // threads): separate instances must share nothing that breaks, even while both load their schemas.
        var golden = Directory.GetFiles(GoldenFolder, "*.json").Order(StringComparer.Ordinal).Select(f => FhirJson.Deserialize<Resource>(File.ReadAllText(f))).ToList();
        var resources = golden.Concat(golden.Where((_, i) => i % 3 == 0).SelectMany(FastPathDifferentialTests.Breakages)).ToList();
        var expected = resources.Select(r => string.Join("\n", fixture.Validator.Validate(r).Lines(includeWarnings: true))).ToList();

        var validators = new[] { FirelyResourceValidator.ForMappings(RepositoryPaths.Mappings), FirelyResourceValidator.ForMappings(RepositoryPaths.Mappings) };
        var found = new string[2][];
        Parallel.For(0, 2, v => found[v] = [.. resources.Select(r => string.Join("\n", validators[v].Validate(r).Lines(includeWarnings: true)))]);

        var fast = new MndFhir.Validation.FastPath.FastPathValidator(() => FirelyResourceValidator.ForMappings(RepositoryPaths.Mappings), Path.Combine(RepositoryPaths.Mappings, "profiles"), fullValidators: 2);
        var verdicts = new bool[resources.Count];
        Parallel.For(0, resources.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => verdicts[i] = fast.Validate(resources[i]).IsValid);

        Assert.True(expected.Count(e => e.Length > 0) > 20, "the breakages must break something");
        Assert.Equal(expected, found[0]);
        Assert.Equal(expected, found[1]);
        Assert.Equal(resources.Select(r => fixture.Validator.Validate(r).IsValid), verdicts);
        Assert.Equal(2, fast.FullValidatorsHeld);
    }

    [Fact]
    public async Task Prepare_builds_the_validators_in_the_background_and_warms_all_but_the_first_on_each_type_and_profile()
    {
        var made = new List<CountingValidator>();
        var fast = new MndFhir.Validation.FastPath.FastPathValidator(
            () => { lock (made) { made.Add(new CountingValidator(fixture.Validator)); return made[^1]; } },
            Path.Combine(RepositoryPaths.Mappings, "profiles"), fullValidators: 2);

        fast.Prepare(["Patient", "Observation"]);
        for (var waited = 0; fast.FullValidatorsIdle < 2 && waited < 600; waited++)
        {
            await Task.Delay(100);
        }

        // The first is handed over as soon as it is built; the second validated an empty Patient, an empty Observation
        // and an Observation claiming the outcome profile (the project's only resource profile on those types).
        Assert.Equal(2, fast.FullValidatorsIdle);
        Assert.Equal([0, 3], made.Select(m => m.Calls).Order());
        Assert.True(fast.Validate(Golden<Observation>("Observation-FVC")).IsValid);
        Assert.Equal(2, made.Count); // validation used what was prepared
        fast.Prepare(["Patient"]);
        Assert.Equal(2, fast.FullValidatorsHeld); // never more than the maximum
    }

    [Fact]
    public void The_fast_path_asks_the_full_validator_once_per_valid_shape_and_again_for_doubtful_values_and_invalid_shapes()
    {
        var counting = new CountingValidator(fixture.Validator);
        var fast = new MndFhir.Validation.FastPath.FastPathValidator(() => counting, Path.Combine(RepositoryPaths.Mappings, "profiles"));

        Assert.True(fast.Validate(Golden<Observation>("Observation-FVC")).IsValid);
        var other = Golden<Observation>("Observation-FVC");
        ((Quantity)other.Value!).Value = 2.75m;
        other.Effective = new FhirDateTime("2023-07-14");
        Assert.True(fast.Validate(other).IsValid);
        Assert.Equal(1, counting.Calls); // same shape, other values: no full validation

        other.Effective = new FhirDateTime("2023-13-45");
        Assert.False(fast.Validate(other).IsValid);
        Assert.Equal(2, counting.Calls); // a doubtful value goes to the full validator

        var broken = Golden<Observation>("Observation-FVC");
        ((Quantity)broken.Value!).System = "http://example.org/units";
        Assert.False(fast.Validate(broken).IsValid);
        Assert.False(fast.Validate(broken).IsValid);
        Assert.Equal(4, counting.Calls); // an invalid shape is never remembered
    }

    [Fact]
    public void The_full_validator_is_let_go_when_idle_and_built_again_for_a_new_shape()
    {
        var built = 0;
        var fast = new MndFhir.Validation.FastPath.FastPathValidator(() => { built++; return fixture.Validator; }, Path.Combine(RepositoryPaths.Mappings, "profiles"), releaseAfter: 3);
        Assert.False(fast.FullValidatorHeld); // nothing built before it is needed

        Assert.True(fast.Validate(Golden<Observation>("Observation-FVC")).IsValid);
        Assert.True(fast.FullValidatorHeld);
        for (var i = 0; i < 2; i++)
        {
            Assert.True(fast.Validate(Golden<Observation>("Observation-FVC")).IsValid);
        }

        Assert.True(fast.FullValidatorHeld);
        Assert.True(fast.Validate(Golden<Observation>("Observation-FVC")).IsValid);
        Assert.False(fast.FullValidatorHeld); // three known shapes in a row: let go

        Assert.True(fast.Validate(Golden<Procedure>("Procedure-SC_INTRATHECAL")).IsValid);
        Assert.Equal(2, built); // a new shape builds it again
        Assert.True(fast.FullValidatorHeld);
    }

    [Fact]
    public void A_profile_that_bounds_a_free_value_turns_the_fast_path_off()
    {
        var folder = CopyOfProfiles();
        try
        {
            var counting = new CountingValidator(fixture.Validator);
            Assert.True(new MndFhir.Validation.FastPath.FastPathValidator(() => counting, folder).Enabled);

            // A profile that caps the length of a value: the shape leaves values free, so no verdict may be reused.
            var observation = Path.Combine(folder, "mnd-outcome-observation.json");
            var capped = File.ReadAllText(observation).Replace("\"path\": \"Observation.identifier.value\",", "\"path\": \"Observation.identifier.value\", \"maxLength\": 64,", StringComparison.Ordinal);
            Assert.Contains("maxLength", capped, StringComparison.Ordinal);
            File.WriteAllText(observation, capped);
            var fast = new MndFhir.Validation.FastPath.FastPathValidator(() => counting, folder);
            Assert.False(fast.Enabled);
            fast.Validate(Golden<Observation>("Observation-FVC"));
            fast.Validate(Golden<Observation>("Observation-FVC"));
            Assert.Equal(2, counting.Calls);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_known_valid_shape_with_values_that_break_a_profile_invariant_goes_to_the_full_validator()
    {
        // Integers are free in a shape (decision 0016); mnd-course-1 compares two of them, so it is checked per record.
        var counting = new CountingValidator(fixture.Validator);
        var fast = new MndFhir.Validation.FastPath.FastPathValidator(() => counting, Path.Combine(RepositoryPaths.Mappings, "profiles"));
        var session = fixture.Rules.Extension("procedure-course-session");
        Procedure Session(int number, int total)
        {
            var procedure = Golden<Procedure>("Procedure-SC_INTRATHECAL");
            var course = procedure.GetExtension(session)!;
            course.SetExtension("number", new PositiveInt(number));
            course.SetExtension("total", new PositiveInt(total));
            return procedure;
        }

        Assert.True(fast.Validate(Session(1, 6)).IsValid);
        Assert.True(fast.Validate(Session(5, 8)).IsValid);
        Assert.Equal(1, counting.Calls); // other session numbers: the same shape, no full validation

        var beyond = fast.Validate(Session(7, 6));
        Assert.False(beyond.IsValid);
        Assert.Contains(beyond.Errors, e => Text(e).Contains("mnd-course-1", StringComparison.Ordinal));
        Assert.Equal(2, counting.Calls); // the invariant did not hold: the full validator judged it

        Assert.False(fast.Validate(Session(0, 6)).IsValid); // positiveInt 0: a doubtful value
        Assert.Equal(3, counting.Calls);
    }

    [Theory]
    [InlineData("value.exists() or dataAbsentReason.exists() or hasMember.exists()", true)] // mnd-obs-1
    [InlineData("extension('https://mndfhir.example.org/fhir/StructureDefinition/procedure-cell-product').exists() implies contained.ofType(BiologicallyDerivedProduct).exists()", true)] // mnd-proc-1
    [InlineData("extension('number').value <= extension('total').value", false)] // mnd-course-1
    [InlineData("value.ofType(Quantity).exists() implies (value.ofType(Quantity).system = 'http://unitsofmeasure.org' and value.ofType(Quantity).code.exists())", false)] // mnd-obs-2
    [InlineData("extension('a=b<c').exists()", true)] // operators inside a string literal do not count
    [InlineData("name.where(family.exists()).exists()", false)]
    [InlineData("value.exists(length() > 2)", false)]
    [InlineData("active.exists() and active", true)]
    [InlineData("value is Quantity", false)]
    [InlineData("value.exists() implies (status.exists() and code.exists())", true)]
    [InlineData("value.matches ('^a')", false)]
    [InlineData("status in %codes", false)]
    [InlineData("code.coding.count() > 0", false)]
    public void An_invariant_that_only_asks_which_elements_are_there_is_the_shapes_and_any_other_is_checked_per_record(string expression, bool shapes)
    {
        Assert.Equal(shapes, MndFhir.Validation.FastPath.ProfileInvariants.AsksOnlyWhatIsThere(expression));
    }

    [Theory]
    [InlineData("value.ofType(Quantity).exists() implies (value.ofType(Quantity).system = 'http://unitsofmeasure.org' and value.ofType(Quantity).code.exists())", "value.ofType(Quantity).system")] // mnd-obs-2
    [InlineData("'final' != status", "status")]
    [InlineData("extension('https://example.org/x').value.code = 'a-b' or code.exists()", "extension('https://example.org/x').value.code")]
    [InlineData("extension('number').value <= extension('total').value", null)] // mnd-course-1
    [InlineData("code = 'x' and value > 3", null)]
    [InlineData("name.where(use = 'official').exists()", null)]
    [InlineData("(a | b).system = 'x'", null)]
    [InlineData("value.exists()", null)]
    public void An_invariant_that_compares_elements_with_texts_names_them_so_each_shape_can_show_they_are_kept_values(string expression, string? compared)
    {
        var found = MndFhir.Validation.FastPath.ProfileInvariants.ComparedWithText(expression);
        Assert.Equal(compared, found is null ? null : Assert.Single(found));
    }

    [Fact]
    public void A_profile_invariant_the_fast_path_cannot_compile_turns_it_off()
    {
        var folder = CopyOfProfiles();
        try
        {
            var course = Path.Combine(folder, "procedure-course-session.json");
            var text = File.ReadAllText(course);
            const string Expression = "extension('number').value <= extension('total').value";
            Assert.Contains(Expression, text, StringComparison.Ordinal);
            File.WriteAllText(course, text.Replace(Expression, "extension('number').value <= (", StringComparison.Ordinal));
            Assert.False(new MndFhir.Validation.FastPath.FastPathValidator(() => fixture.Validator, folder).Enabled);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
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

    /// <summary>A temporary folder holding a copy of the project's profiles, for a test to change (the caller deletes it).</summary>
    private static string CopyOfProfiles()
    {
        var folder = Directory.CreateTempSubdirectory("mndfhir-profiles-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryPaths.Mappings, "profiles"), "*.json"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return folder;
    }

    private static T Golden<T>(string name)
        where T : Resource => FhirJson.Deserialize<T>(File.ReadAllText(Path.Combine(GoldenFolder, name + ".json")));

    private static string Text(OperationOutcome.IssueComponent issue) => ValidationReport.Line(issue);
}
