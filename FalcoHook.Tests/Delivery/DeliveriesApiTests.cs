using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FalcoHook.Api.Delivery;
using FalcoHook.Api.Destinations;
using FalcoHook.Api.Storage;
using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Delivery;

/// <summary>The deliveries API on a minimal WebApplication: AddStorage + AddDelivery + MapDeliveries.</summary>
public sealed class DeliveriesApiTests : IAsyncLifetime
{
    private const string Token = "tok-9f8e7d6c5b4a";
    private readonly TempDirectory _dir = new();
    private FakeReceiver _receiver = null!;
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _receiver = await FakeReceiver.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        var settings = DeliveryTestHost.FastDelivery();
        settings["FalcoHook:Storage:ConnectionString"] = $"Data Source={_dir.File("falcohook.db")}";
        settings["FalcoHook:Destinations:siem:Type"] = "webhook";
        settings["FalcoHook:Destinations:siem:Url"] = _receiver.Url($"/hook?token={Token}");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<IAlertBatchHandler, NoPipeline>();
        builder.Services.AddStorage(builder.Configuration).AddDelivery(builder.Configuration);
        builder.Services.AddDestinations(builder.Configuration);
        _app = builder.Build();
        _app.MapDeliveries();
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_dead_delivery_is_listed_shown_and_delivered_after_a_retry_through_the_api()
    {
        _receiver.Script(new FakeResponse(410, $"gone: /hook?token={Token}"));
        await _app.Services.GetRequiredService<IOutbox>().EnqueueAsync([new RoutedNotification(TestAlerts.Notification(1), ["siem"])], CancellationToken.None);

        var dead = await WaitForListAsync("state=dead", 1);
        var item = Assert.Single(dead.Items);
        Assert.Equal("siem", item.Destination);
        Assert.Equal("dead", item.State);
        Assert.Equal("Terminal shell in container", item.Rule);
        Assert.Equal("Critical", item.Priority);
        Assert.StartsWith("HTTP 410", item.LastError);
        Assert.DoesNotContain(Token, item.LastError);

        var one = await _client.GetFromJsonAsync<DeliveryDto>($"/api/v1/deliveries/{item.Id}");
        Assert.Equal(item.Id, one!.Id);

        var retry = await _client.PostAsync($"/api/v1/deliveries/{item.Id}/retry", null);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("pending", (await retry.Content.ReadFromJsonAsync<DeliveryDto>())!.State);

        var delivered = await WaitForListAsync("state=delivered&destination=siem", 1);
        Assert.Equal(item.Id, Assert.Single(delivered.Items).Id);
        Assert.Equal(item.Id, _receiver.Requests[1].Header("webhook-id"));

        var again = await _client.PostAsync($"/api/v1/deliveries/{item.Id}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        var body = await _client.GetStringAsync("/api/v1/deliveries");
        Assert.DoesNotContain(Token, body);
    }

    [Fact]
    public async Task Retry_all_sends_every_dead_delivery_of_a_destination_again()
    {
        _receiver.Script(new FakeResponse(400), new FakeResponse(400));
        var outbox = _app.Services.GetRequiredService<IOutbox>();
        await outbox.EnqueueAsync([new RoutedNotification(TestAlerts.Notification(1), ["siem"]), new RoutedNotification(TestAlerts.Notification(2), ["siem"])], CancellationToken.None);
        await WaitForListAsync("state=dead", 2);

        var response = await _client.PostAsync("/api/v1/deliveries/retry?destination=siem", null);
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<RetriedDto>())!.Retried);

        await WaitForListAsync("state=delivered", 2);
    }

    [Fact]
    public async Task Unknown_ids_are_404_and_bad_filters_are_problem_details()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/deliveries/msg_nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync("/api/v1/deliveries/msg_nope/retry", null)).StatusCode);

        var bad = await _client.GetAsync("/api/v1/deliveries?state=lost&limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("state", out _));
        Assert.True(errors.TryGetProperty("limit", out _));
    }

    private Task<DeliveryListDto> WaitForListAsync(string query, int count) =>
        Eventually.MatchesAsync(async () => (await _client.GetFromJsonAsync<DeliveryListDto>($"/api/v1/deliveries?{query}"))!,
            list => list.Items.Count >= count, $"GET ?{query} listing {count} items", TimeSpan.FromSeconds(10),
            list => $"It listed {list.Items.Count}.");

    private sealed class NoPipeline : IAlertBatchHandler
    {
        public Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
