using BenchmarkDotNet.Running;

// dotnet run -c Release --project FalcoHook.Benchmarks -- --filter '*' --job short
// dotnet FalcoHook.Benchmarks.dll events-load <file> <count>: the alert history bench/events.sh queries
if (args is ["events-load", var file, var count]) return await EventsLoad.RunAsync(file, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture));
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
