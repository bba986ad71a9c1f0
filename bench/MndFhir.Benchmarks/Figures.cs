using System.Diagnostics;
using System.Globalization;
using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Planning;
using MndFhir.Serialization;
using MndFhir.Tests;
using MndFhir.Validation;
using MndFhir.Validation.FastPath;

namespace MndFhir.Benchmarks;

/// <summary>
/// `figures [EXPORT_FOLDER]`: in one process, each figure beside its baseline measured in the same run, over every
/// resource the resource plan makes of an export (the samples by default): mapping + serialization + hash versus plain
/// Firely serialization of the same resources, and the validator a sync uses (fast path, learning its shapes as it
/// goes) versus the Firely validator alone. Best of three passes each, after a warm-up pass.
/// </summary>
internal static class Figures
{
    public static async Task<int> RunAsync(string[] args)
    {
        var export = args.Length > 0 ? args[0] : Path.Combine(RepositoryPaths.Samples, "clinic-export");
        var rules = MappingSetLoader.Load(RepositoryPaths.Mappings);
        var identity = new ClinicIdentity("https://mndfhir.example.org/fhir/sid/demo-clinic");
        var plan = new ResourcePlan(new FhirMapper(rules, identity));
        var (patients, treatments, assessments) = await ExportRecords.ReadAsync(rules, export);
        var source = new InMemoryRecordSource(patients, treatments, assessments);
        var resolver = new ConditionalReferenceResolver(identity);

        async Task<List<Resource>> MapAllAsync() =>
            await plan.AllAsync(source, resolver, new PlanTarget("https://hospital.example.org/fhir/sid/mrn"), CancellationToken.None).Select(p => p.Mapped.Resource).ToListAsync();
        var resources = await MapAllAsync();
        Console.WriteLine($"export {export}: {resources.Count:N0} resources; {Environment.ProcessorCount} cores; .NET {Environment.Version}");
        Console.WriteLine();
        Console.WriteLine($"{"figure",-58} {"this",14} {"baseline",14} {"ratio",7}");

        // 1. Mapping, serialization and hash (what a sync does for every resource) vs Firely serialization alone.
        var serialize = Best(() => resources.Sum(r => FhirJson.Serialize(r).Length));
        var mapped = await BestAsync(async () =>
        {
            var n = 0;
            await foreach (var p in plan.AllAsync(source, resolver, new PlanTarget("https://hospital.example.org/fhir/sid/mrn"), CancellationToken.None))
            {
                n += FhirJson.Hash(FhirJson.Serialize(p.Mapped.Resource)).Length;
            }

            return n;
        });
        Row("map + serialize + hash vs serialize (resources/s)", resources.Count / mapped.TotalSeconds, resources.Count / serialize.TotalSeconds, "goal >= 0.50");

        // 2. Validation: what a sync runs (shapes learnt in this pass, as a first sync on a new database does) vs the
        //    Firely validator alone. The naive baseline runs over a tenth of the resources (it is ~100x slower).
        var profiles = Path.Combine(RepositoryPaths.Mappings, "profiles");
        // What a new process pays before its first batch: building the Firely validator and validating each shape once,
        // reading the core definitions from the specification zip versus from the folder that keeps them as JSON
        // (CoreDefinitions; filled by a first pass, which also warms the JIT for both).
        var firstOfEachShape = resources.DistinctBy(r => ResourceShape.Of(r).Key).ToList();
        var folder = Directory.CreateTempSubdirectory("mndfhir-bench-definitions-").FullName;
        async Task<(TimeSpan Elapsed, FirelyResourceValidator Validator)> NewProcessAsync(string? definitions)
        {
            var t = Stopwatch.StartNew();
            var validator = await FirelyResourceValidator.ForMappingsAsync(RepositoryPaths.Mappings, definitions);
            firstOfEachShape.ForEach(r => validator.Validate(r));
            return (t.Elapsed, validator);
        }

        await NewProcessAsync(folder);
        var (fromZip, _) = await NewProcessAsync(null);
        var (fromFolder, firely) = await NewProcessAsync(folder);
        Directory.Delete(folder, recursive: true);
        var sample = resources.Where((_, i) => i % 10 == 0).ToList();
        var naive = Best(() => sample.Count(r => firely.Validate(r).IsValid));
        var fastCold = TimeSpan.MaxValue;
        var fullCalls = 0;
        for (var pass = 0; pass < 3; pass++)
        {
            var fast = new FastPathValidator(() => firely, profiles);
            var t = Stopwatch.StartNew();
            var valid = resources.Count(r => fast.Validate(r).IsValid);
            t.Stop();
            fastCold = t.Elapsed < fastCold ? t.Elapsed : fastCold;
            fullCalls = fast.FullValidations;
            if (valid != resources.Count)
            {
                Console.Error.WriteLine($"{resources.Count - valid} resources invalid: the figures are not comparable");
                return 1;
            }
        }

        var warm = new FastPathValidator(() => firely, profiles);
        resources.ForEach(r => warm.Validate(r));
        var fastWarm = Best(() => resources.Count(r => warm.Validate(r).IsValid));
        Row("validate: fast path, shapes learnt in the pass (res/s)", resources.Count / fastCold.TotalSeconds, sample.Count / naive.TotalSeconds, $"{fullCalls} full validations");
        Row("validate: fast path, shapes known (res/s, one core)", resources.Count / fastWarm.TotalSeconds, sample.Count / naive.TotalSeconds, "goal >= 20,000/s");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"Firely validator: build + each shape once (s)",-58} {fromFolder.TotalSeconds,14:0.0} {fromZip.TotalSeconds,14:0.0} {fromFolder / fromZip,7:0.00}  {firstOfEachShape.Count} shapes; definitions kept as JSON vs read from the specification zip"));
        return 0;
    }

    private static void Row(string name, double value, double baseline, string note) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-58} {value,14:N0} {baseline,14:N0} {value / baseline,7:0.00}  {note}"));

    private static TimeSpan Best(Func<int> work)
    {
        work();
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var t = Stopwatch.StartNew();
            GC.KeepAlive(work());
            best = t.Elapsed < best ? t.Elapsed : best;
        }

        return best;
    }

    private static async Task<TimeSpan> BestAsync(Func<Task<int>> work)
    {
        await work();
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var t = Stopwatch.StartNew();
            GC.KeepAlive(await work());
            best = t.Elapsed < best ? t.Elapsed : best;
        }

        return best;
    }
}
