using BenchmarkDotNet.Running;

// dotnet run -c Release --project FalcoHook.Benchmarks -- --filter '*' --job short
// dotnet FalcoHook.Benchmarks.dll events-load <file> <count>: the alert history bench/events.sh queries
if (args is ["events-load", var file, var count]) return await EventsLoad.RunAsync(file, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture));
// dotnet FalcoHook.Benchmarks.dll events-write <file> <count> <batch>: the history's write cost per event
if (args is ["events-write", var writeFile, var writeCount, var writeBatch])
    return await EventsLoad.WriteAsync(writeFile, int.Parse(writeCount, System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(writeBatch, System.Globalization.CultureInfo.InvariantCulture));
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
