using BenchmarkDotNet.Attributes;
using MndFhir.Identity;
using MndFhir.Intake;
using MndFhir.Mapping;
using MndFhir.Records;
using MndFhir.Serialization;
using MndFhir.Tests;
using MndFhir.Validation;

namespace MndFhir.Benchmarks;

/// <summary>
/// What validation before sending costs, against the baseline of what a sync does anyway for each resource: map it
/// and serialize it for hashing. One batch of the sample export's first 500 assessments (the sync's batch size is in
/// the hundreds), validated one at a time as the sync does (the validator serializes its callers).
/// </summary>
[MemoryDiagnoser]
public class ValidationBenchmarks
{
    private FhirMapper _mapper = null!;
    private ConditionalReferenceResolver _resolver = null!;
    private FirelyResourceValidator _validator = null!;
    private List<AssessmentRecord> _records = null!;
    private List<Hl7.Fhir.Model.Resource> _resources = null!;

    [GlobalSetup]
    public async Task SetUp()
    {
        var rules = MappingSetLoader.Load(RepositoryPaths.Mappings);
        var identity = new ClinicIdentity("https://mndfhir.example.org/fhir/sid/demo-clinic");
        _mapper = new FhirMapper(rules, identity);
        _resolver = new ConditionalReferenceResolver(identity);
        _validator = await FirelyResourceValidator.ForMappingsAsync(RepositoryPaths.Mappings);
        using var reader = new StreamReader(Path.Combine(RepositoryPaths.Samples, "clinic-export", "assessments.csv"));
        _records = await new ClinicExportParser().ReadAssessmentsAsync(reader, new IntakeContext(rules, DateOnly.FromDateTime(DateTime.UtcNow), _ => ClinicDate.Parse("1900-01-01"), _ => true), CancellationToken.None)
            .Select(r => r.Record!).Take(500).ToListAsync();
        _resources = _records.Select(r => _mapper.MapObservation(r, _resolver).Resource).ToList();
        foreach (var resource in _resources)
        {
            _validator.Validate(resource); // compile the schemas once, as the first batch of a sync does
        }
    }

    [Benchmark(Baseline = true, Description = "map + serialize + hash (no validation)")]
    public int MapAndHash()
    {
        var n = 0;
        foreach (var record in _records)
        {
            n += FhirJson.Hash(FhirJson.Serialize(_mapper.MapObservation(record, _resolver).Resource)).Length;
        }

        return n;
    }

    [Benchmark(Description = "validate (as the sync: one at a time)")]
    public int Validate() => _resources.Count(r => _validator.Validate(r).IsValid);
}
