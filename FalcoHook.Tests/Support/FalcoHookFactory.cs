using FalcoHook.Api.Auth;
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

    /// <summary>The key of <see cref="WithApiKeys"/> that may write (<c>ops</c>).</summary>
    public const string WriteKey = "write-key-0123456789abcdef";

    /// <summary>The key of <see cref="WithApiKeys"/> that may only read (<c>viewer</c>).</summary>
    public const string ReadKey = "read-key-0123456789abcdef";

    /// <summary>API keys on: <see cref="WriteKey"/> may write, <see cref="ReadKey"/> may only read.</summary>
    public FalcoHookFactory WithApiKeys() => this
        .With("FalcoHook:Auth:ApiKeys:0:Name", "ops")
        .With("FalcoHook:Auth:ApiKeys:0:Key", WriteKey)
        .With("FalcoHook:Auth:ApiKeys:0:Role", "write")
        .With("FalcoHook:Auth:ApiKeys:1:Name", "viewer")
        .With("FalcoHook:Auth:ApiKeys:1:Key", ReadKey)
        .With("FalcoHook:Auth:ApiKeys:1:Role", "read");

    /// <summary>A client sending <paramref name="key"/> (X-Api-Key); no key when null.</summary>
    public HttpClient Client(string? key = WriteKey)
    {
        var client = CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        return client;
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
