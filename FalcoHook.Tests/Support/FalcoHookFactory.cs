using FalcoHook.Api.Auth;
using System.Diagnostics;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace FalcoHook.Tests.Support;

/// <summary>
/// The real service in memory. Settings given here override appsettings.json, the way an operator's
/// environment variables would; <see cref="WithServices"/> can add test doubles. <see cref="Recorder"/> hears of
/// every batch the handler chain handled.
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

    /// <summary>
    /// The inbox's drain hands its batches to <paramref name="handler"/> (a test double) instead of the pipeline;
    /// <see cref="Recorder"/> still hears of each batch it handled.
    /// </summary>
    public FalcoHookFactory WithBatchHandler(IAlertBatchHandler handler) => WithServices(services =>
        services.AddSingleton<IAlertBatchHandler>(sp => new ObservedBatchHandler(handler, sp.GetServices<IAlertBatchObserver>())));

    /// <summary>Tracing on (<c>FalcoHook:Telemetry:Tracing</c>), its spans kept in <paramref name="spans"/>.</summary>
    public FalcoHookFactory WithSpansIn(List<Activity> spans) => With("FalcoHook:Telemetry:Tracing", "true")
        .WithServices(services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans)));

    /// <summary>What the inbox's drain handed over and the handler chain handled.</summary>
    public RecordingBatchObserver Recorder => Services.GetRequiredService<RecordingBatchObserver>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        Directory.CreateDirectory(DataDirectory);
        builder.UseSetting("FalcoHook:Storage:ConnectionString", $"Data Source={Path.Combine(DataDirectory, "falcohook.db")}");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<RecordingBatchObserver>();
            services.AddSingleton<IAlertBatchObserver>(sp => sp.GetRequiredService<RecordingBatchObserver>());
            foreach (var configure in _services) configure(services);
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
