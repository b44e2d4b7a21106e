using FalcoHook.Api.Hosting;

if (HealthProbe.IsRequested(args)) return await HealthProbe.RunAsync();

var builder = WebApplication.CreateBuilder(ConfigurationFiles.HostArguments(args));
builder.AddFalcoHook();

var app = builder.Build();
app.MapFalcoHook();
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
