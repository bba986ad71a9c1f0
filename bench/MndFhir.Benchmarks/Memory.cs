using System.Diagnostics;
using System.Globalization;
using Hl7.Fhir.Model;
using MndFhir.Identity;
using MndFhir.Mapping;
using MndFhir.Planning;
using MndFhir.Tests;
using MndFhir.Validation;
using MndFhir.Validation.FastPath;

namespace MndFhir.Benchmarks;

/// <summary>
/// `memory [EXPORT_FOLDER] [--dump DIR]`: what the Firely validator costs (issue 12): live managed heap (after a full
/// compacting collection) and resident memory at each stage: process start, resources mapped (one kept per shape),
/// validator built, one resource of each kind validated (resource type and profiles), one of every shape validated,
/// validator let go. With --dump, a heap dump of each stage (dotnet-dump collect --type Heap; read with dotnet-dump analyze) is written to DIR (dotnet-dump on the PATH or in
/// ~/.dotnet/tools).
/// </summary>
internal static class Memory
{
    public static async Task<int> RunAsync(string[] args)
    {
        var dumps = args.SkipWhile(a => a != "--dump").Skip(1).FirstOrDefault();
        var rest = args.TakeWhile(a => a != "--dump").ToArray();
        var export = rest.Length > 0 ? rest[0] : Path.Combine(RepositoryPaths.Samples, "clinic-export");
        Console.WriteLine($"{"stage",-52} {"heap MB",9} {"RSS MB",9} {"peak RSS MB",12} {"s",6}");
        var timer = Stopwatch.StartNew();
        Stage("a. process start", timer, dumps);

        List<Resource> shapes;
        {
            var rules = MappingSetLoader.Load(RepositoryPaths.Mappings);
            var identity = new ClinicIdentity("https://mndfhir.example.org/fhir/sid/demo-clinic");
            var plan = new ResourcePlan(new FhirMapper(rules, identity));
            var (patients, treatments, assessments) = await ExportRecords.ReadAsync(rules, export);
            var source = new InMemoryRecordSource(patients, treatments, assessments);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            shapes = await plan.AllAsync(source, new ConditionalReferenceResolver(identity), new PlanTarget("https://hospital.example.org/fhir/sid/mrn"), CancellationToken.None)
                .Select(p => p.Mapped.Resource)
                .Where(r => seen.Add(ResourceShape.Of(r).Key))
                .ToListAsync();
        }

        var kinds = shapes.GroupBy(r => r.TypeName + " " + string.Join(",", r.Meta?.Profile ?? [])).Select(g => g.First()).ToList();
        Stage($"   {shapes.Count} shapes mapped ({kinds.Count} kinds), one resource kept each", timer, dumps);

        var invalid = Validate(kinds, shapes, timer, dumps);
        Stage("e. validator let go", timer, dumps);
        if (invalid > 0)
        {
            Console.Error.WriteLine($"{invalid} validations found invalid resources");
            return 1;
        }

        return 0;
    }

    /// <summary>
    /// Builds and uses the validator, as the sync does (ForMappings, synchronous: an await would run the rest of the
    /// program as its continuation, and a stack slot of that frame would keep the validator alive at stage e).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int Validate(List<Resource> kinds, List<Resource> shapes, Stopwatch timer, string? dumps)
    {
        var validator = FirelyResourceValidator.ForMappings(RepositoryPaths.Mappings);
        Stage("b. validator built", timer, dumps);

        var invalid = 0;
        foreach (var resource in kinds)
        {
            invalid += validator.Validate(resource).IsValid ? 0 : 1;
        }

        Stage($"c. one resource of each of {kinds.Count} kinds validated", timer, dumps);
        foreach (var resource in shapes)
        {
            invalid += validator.Validate(resource).IsValid ? 0 : 1;
        }

        Stage($"d. all {shapes.Count} shapes validated", timer, dumps);
        GC.KeepAlive(validator);
        return invalid;
    }

    private static void Stage(string name, Stopwatch timer, string? dumps)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var heap = GC.GetTotalMemory(forceFullCollection: false);
        var status = File.ReadAllLines("/proc/self/status");
        double Kb(string key) => double.Parse(status.First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-52} {heap / 1048576.0,9:0.0} {Kb("VmRSS:"),9:0.0} {Kb("VmHWM:"),12:0.0} {timer.Elapsed.TotalSeconds,6:0.0}"));
        if (dumps is not null)
        {
            Directory.CreateDirectory(dumps);
            var tool = File.Exists(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet/tools/dotnet-dump"))
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet/tools/dotnet-dump")
                : "dotnet-dump";
            var file = Path.Combine(dumps, name.Trim()[..1] + ".dump");
            using var p = Process.Start(new ProcessStartInfo(tool, ["collect", "--type", "Heap", "-p", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), "-o", file]) { RedirectStandardOutput = true })!;
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
        }
    }
}
