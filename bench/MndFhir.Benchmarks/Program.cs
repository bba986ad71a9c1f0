using BenchmarkDotNet.Running;
using MndFhir.Benchmarks;

// dotnet run -c Release --project bench/MndFhir.Benchmarks -- figures [EXPORT]   (what bench/run.sh prints)
// dotnet run -c Release --project bench/MndFhir.Benchmarks -- e2e [EXPORT]       (adapter vs plain client, same bundles)
// dotnet run -c Release --project bench/MndFhir.Benchmarks -- memory [EXPORT] [--dump DIR]  (the Firely validator's memory, by stage)
// dotnet run -c Release --project bench/MndFhir.Benchmarks [-- --filter *]       (BenchmarkDotNet micro-benchmarks)
return args.FirstOrDefault() switch
{
    "figures" => await Figures.RunAsync(args[1..]),
    "e2e" => await EndToEnd.RunAsync(args[1..]),
    "memory" => await Memory.RunAsync(args[1..]),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    return 0;
}
