using System.Net;
using System.Net.Sockets;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Events;
using FalcoHook.Core.Ingest;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FalcoHook.Tests.Ui;

[CollectionDefinition(Name)]
public sealed class UiCollection : ICollectionFixture<UiFixture>
{
    public const string Name = "ui";
}

/// <summary>
/// One service on a real Kestrel port (API keys on; a webhook destination on a fake receiver that answers 410 to any
/// alert whose output holds <see cref="RefusedMarker"/> while <see cref="Refusing"/> is set; the pipeline fails on any
/// alert whose rule holds <see cref="PoisonMarker"/> while <see cref="Poisoning"/> is set, and a failing alert goes to the
/// dead inbox at its first failure) and one headless system
/// Chromium for the UI collection. Absent Chromium is recorded here and raised by each test
/// (<see cref="SystemBinary.Require"/>): skipped locally, failed under CI=true.
/// </summary>
public sealed class UiFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string RefusedMarker = "refused-by-receiver";
    public const string PoisonMarker = "poisons-the-pipeline";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;

    public UiFactory Factory { get; private set; } = null!;

    public FakeReceiver Receiver { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>While true, the receiver answers 410 (a terminal failure: the delivery goes dead at once) to marked alerts.</summary>
    public volatile bool Refusing = true;

    /// <summary>While true, the pipeline throws on alerts whose rule holds <see cref="PoisonMarker"/>.</summary>
    public volatile bool Poisoning = true;

    public async Task InitializeAsync()
    {
        if (SystemBinary.Find("chromium", ChromiumPath) is not { } chromium) return;
        Receiver = await FakeReceiver.StartAsync();
        Receiver.Responder = request => Refusing && request.BodyText.Contains(RefusedMarker, StringComparison.Ordinal)
            ? new FakeResponse(410, "gone")
            : null;
        var port = FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{port}");
        Factory = new UiFactory(port);
        Factory.WithApiKeys()
            .With("FalcoHook:Destinations:siem:Type", "webhook")
            .With("FalcoHook:Destinations:siem:Url", Receiver.Url("/hook"))
            .With("FalcoHook:Ingest:MaxHandleAttempts", "1")
            .With("FalcoHook:Ingest:FailureBackoff", "00:00:00.010")
            .WithServices(services =>
            {
                var pipeline = services.Last(d => d.ServiceType == typeof(IAlertBatchHandler));
                var create = pipeline.ImplementationFactory ?? throw new InvalidOperationException("The pipeline's batch handler is not made by a factory.");
                services.Remove(pipeline);
                services.AddSingleton<IAlertBatchHandler>(sp => new PoisonedPipeline((IAlertBatchHandler)create(sp), this));
            });
        foreach (var (key, value) in DeliveryTestHost.FastDelivery()) Factory.With(key, value);
        Factory.StartServer();

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (Factory is not null) await Factory.DisposeAsync();
        if (Receiver is not null) await Receiver.DisposeAsync();
    }

    /// <summary>Raises the recorded absence of Chromium: the test is skipped (or failed under CI=true).</summary>
    public static void RequireChromium() => SystemBinary.Require("chromium", "chromium", ChromiumPath);

    /// <summary>A client of the REST API on the real port (Falco's POST included).</summary>
    public HttpClient ApiClient(string? key = FalcoHookFactory.WriteKey)
    {
        var client = new HttpClient { BaseAddress = BaseUrl };
        if (key is not null) client.DefaultRequestHeaders.Add(FalcoHook.Api.Auth.ApiKeyAuthenticationHandler.HeaderName, key);
        return client;
    }

    /// <summary>Waits until the history holds <paramref name="count"/> events matching <paramref name="query"/>, and returns them (newest first).</summary>
    public Task<IReadOnlyList<StoredEvent>> EventsAsync(EventQuery query, int count) =>
        Eventually.MatchesAsync(async () => (await Factory.Services.GetRequiredService<EventService>().QueryAsync(query, null, 1000, CancellationToken.None)).Items,
            items => items.Count >= count, $"{count} events recorded", describe: items => $"{items.Count} so far");

    /// <summary>Waits until <paramref name="condition"/> holds for the deliveries of <paramref name="state"/>, and returns them.</summary>
    public Task<IReadOnlyList<DeliveryRecord>> DeliveriesAsync(DeliveryState state, Func<IReadOnlyList<DeliveryRecord>, bool> condition, string what) =>
        Eventually.MatchesAsync(async () => (await Factory.Services.GetRequiredService<DeliveryService>()
                .ListAsync(new DeliveryQuery(state, null, 0, 500), CancellationToken.None)).Items,
            condition, what, describe: items => $"{items.Count} {state} deliveries");

    /// <summary>The service's pipeline, failing a batch that holds a poisonous alert while <see cref="Poisoning"/> is set.</summary>
    private sealed class PoisonedPipeline(IAlertBatchHandler pipeline, UiFixture fixture) : IAlertBatchHandler
    {
        public Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken) =>
            fixture.Poisoning && batch.Any(item => item.Alert.Rule.Contains(PoisonMarker, StringComparison.Ordinal))
                ? throw new InvalidOperationException("the pipeline cannot take a poisonous alert")
                : pipeline.HandleAsync(batch, cancellationToken);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The service of <see cref="FalcoHookFactory"/> on Kestrel at 127.0.0.1:<paramref name="port"/>, so a browser reaches it.</summary>
public sealed class UiFactory : FalcoHookFactory
{
    public UiFactory(int port)
    {
        With("urls", $"http://127.0.0.1:{port}");
        UseKestrel(port);
    }
}
