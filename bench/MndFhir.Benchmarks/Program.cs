using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/MndFhir.Benchmarks [-- --filter *]
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
