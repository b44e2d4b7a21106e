using BenchmarkDotNet.Running;

// dotnet run -c Release --project FalcoHook.Benchmarks -- --filter '*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
