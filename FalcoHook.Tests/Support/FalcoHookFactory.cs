using FalcoHook.Core.Ingest;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Support;

/// <summary>
/// The real service in memory. Settings given here override appsettings.json, the way an operator's
/// environment variables would; <see cref="Services"/> can replace registrations for a test.
/// </summary>
public class FalcoHookFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Action<IServiceCollection>> _services = [];

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "falcohook-tests", Guid.NewGuid().ToString("N"));

    public FalcoHookFactory With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public FalcoHookFactory WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    /// <summary>What the inbox's drain handed over, when the default recording handler is in place.</summary>
    public RecordingBatchHandler Recorder => Services.GetRequiredService<RecordingBatchHandler>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        Directory.CreateDirectory(DataDirectory);
        builder.UseSetting("FalcoHook:Storage:ConnectionString", $"Data Source={Path.Combine(DataDirectory, "falcohook.db")}");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureTestServices(services =>
        {
            foreach (var configure in _services) configure(services);
            RecordWhatTheDrainHandsOver(services);
        });
    }

    /// <summary>Wraps the registered batch handler (the pipeline, or a test's own) in a <see cref="RecordingBatchHandler"/>.</summary>
    private static void RecordWhatTheDrainHandsOver(IServiceCollection services)
    {
        var inner = services.Last(d => d.ServiceType == typeof(IAlertBatchHandler));
        services.Remove(inner);
        services.AddSingleton(sp => new RecordingBatchHandler(Resolve(sp, inner)));
        services.AddSingleton<IAlertBatchHandler>(sp => sp.GetRequiredService<RecordingBatchHandler>());
    }

    private static IAlertBatchHandler Resolve(IServiceProvider sp, ServiceDescriptor descriptor) => (IAlertBatchHandler)(
        descriptor.ImplementationInstance
        ?? descriptor.ImplementationFactory?.Invoke(sp)
        ?? ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
