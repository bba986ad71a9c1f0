using MndFhir.Mapping;

namespace MndFhir.Core.Tests.Mapping;

public sealed class MappingSetLoaderTests : IDisposable
{
    private readonly string _copy = Path.Combine(Path.GetTempPath(), "mndfhir-mappings-" + Guid.NewGuid().ToString("N")[..12]);

    public MappingSetLoaderTests()
    {
        RepositoryPaths.CopyMappings(_copy);
    }

    [Fact]
    public void The_shipped_mappings_cover_every_code_of_the_clinic_vocabulary()
    {
        var rules = MappingSetLoader.Load(RepositoryPaths.Mappings);

        Assert.Empty(ClinicVocabulary.Uncovered(rules));
        Assert.Equal(ClinicVocabulary.TreatmentCodes.Order(), rules.Treatments.Keys.Order());
        Assert.Equal(ClinicVocabulary.MeasureCodes.Order(), rules.Measures.Keys.Order());
        Assert.Equal(ClinicVocabulary.BodySites.Order(), rules.BodySites.Keys.Order());
        Assert.Equal(["ALS", "MND", "PBP", "PLS", "PMA"], rules.Diagnoses.Keys.Order());
        Assert.Equal(["bulbar", "generalized", "respiratory", "spinal"], rules.OnsetRegions.Keys.Order());
        Assert.Equal(["BM-MNC", "BM-MSC", "NSC"], rules.CellTypes.Keys.Order());
    }

    [Fact]
    public void No_mapping_uses_the_invalid_alsfrs_r_code_in_circulation()
    {
        var rules = MappingSetLoader.Load(RepositoryPaths.Mappings);
        var codes = rules.Measures.Values.SelectMany(m => m.Coding.Concat(m.Variants.SelectMany(v => v.Coding))).Concat(rules.Panels.Values.SelectMany(p => p.Coding));
        Assert.DoesNotContain(codes, c => c.Code == "67131-4");
    }

    [Fact]
    public void A_unit_that_is_not_ucum_is_rejected_with_file_and_line()
    {
        Replace("measures/respiratory.yaml", "unit: L,", "unit: litres,");
        var problem = Assert.Single(LoadProblems());
        Assert.Equal("measures/respiratory.yaml", problem.File);
        Assert.Equal(LineOf("measures/respiratory.yaml", "unit: litres"), problem.Line);
        Assert.Contains("'litres' is not a UCUM unit", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_code_system_is_rejected_with_file_and_line()
    {
        Replace("measures/respiratory.yaml", "{ system: loinc, code: 19868-9", "{ system: lonic, code: 19868-9");
        var problem = Assert.Single(LoadProblems());
        Assert.Equal("measures/respiratory.yaml", problem.File);
        Assert.Equal(LineOf("measures/respiratory.yaml", "system: lonic"), problem.Line);
        Assert.Contains("unknown code system 'lonic'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_range_whose_minimum_exceeds_its_maximum_is_rejected()
    {
        Replace("measures/pain.yaml", "min: 0, max: 10,", "min: 11, max: 10,");
        var problem = Assert.Single(LoadProblems());
        Assert.Equal("measures/pain.yaml", problem.File);
        Assert.Contains("min 11 is greater than max 10", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_derived_measure_with_an_unknown_formula_or_source_is_rejected_with_file_and_line()
    {
        Replace("measures/alsfrs-r.yaml", "formula: progression-rate", "formula: slope");
        Replace("measures/alsfrs-r.yaml", "from: ALSFRSR_TOTAL", "from: ALSFRSR_SUM");

        var problems = LoadProblems();

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.File == "measures/alsfrs-r.yaml" && p.Line == LineOf("measures/alsfrs-r.yaml", "formula: slope") && p.Message.Contains("unknown formula 'slope'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.File == "measures/alsfrs-r.yaml" && p.Message.Contains("derived from 'ALSFRSR_SUM', which no measures list defines", StringComparison.Ordinal));
    }

    [Fact]
    public void A_treatment_claiming_a_profile_that_is_not_in_profiles_is_rejected()
    {
        Replace("treatments.yaml", "profile: mnd-stem-cell-procedure", "profile: mnd-stem-cel-procedure");

        var problems = LoadProblems();

        Assert.NotEmpty(problems);
        Assert.All(problems, p => Assert.Contains("profile 'mnd-stem-cel-procedure' is not a StructureDefinition in profiles/", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_code_defined_twice_is_rejected()
    {
        File.AppendAllText(Path.Combine(_copy, "measures/pain.yaml"), "\n  - code: FVC\n    display: again\n    category: exam\n    value: { type: quantity, unit: L, min: 0, max: 8 }\n");
        var problem = Assert.Single(LoadProblems());
        Assert.Contains("'FVC' is defined twice (first at measures/", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_yaml_is_rejected_with_its_line()
    {
        File.AppendAllText(Path.Combine(_copy, "body-sites.yaml"), "  - { code: broken\n");
        var problem = Assert.Single(LoadProblems());
        Assert.Equal("body-sites.yaml", problem.File);
        Assert.StartsWith("not valid YAML", problem.Message, StringComparison.Ordinal);
        Assert.True(problem.Line > 1);
    }

    public void Dispose() => Directory.Delete(_copy, recursive: true);

    private IReadOnlyList<MappingProblem> LoadProblems() =>
        Assert.Throws<MappingLoadException>(() => MappingSetLoader.Load(_copy)).Problems;

    private void Replace(string file, string from, string to)
    {
        var path = Path.Combine(_copy, file);
        var text = File.ReadAllText(path);
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    private long LineOf(string file, string fragment) =>
        File.ReadAllLines(Path.Combine(_copy, file)).Select((l, i) => (l, i)).First(x => x.l.Contains(fragment, StringComparison.Ordinal)).i + 1;
}
