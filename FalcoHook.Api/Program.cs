using FalcoHook.Api.Events;
using FalcoHook.Api.Hosting;

if (HealthProbe.IsRequested(args)) return await HealthProbe.RunAsync();
if (HistoryWriterEntry.IsRequested(args)) return await HistoryWriterEntry.RunAsync(args);

var builder = WebApplication.CreateBuilder(ConfigurationFiles.HostArguments(args));
builder.AddFalcoHook();

var app = builder.Build();
app.MapFalcoHook();
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
