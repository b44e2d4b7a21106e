using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// What every chat type must do through the shared machinery, written once: a 429 waits as long as the service says
/// then delivers, 5xx is retried until delivered, another 4xx is dead at once with the service's error and the
/// destination's secret masked, and a template over a missing field still delivers. Each type's tests derive from it
/// with its configuration and the service's answers, and add the checks of its request shape.
/// </summary>
public abstract class ChatDeliveryContract
{
    /// <summary>The destination's name in <see cref="Settings"/>.</summary>
    protected const string Chat = "chat";

    /// <summary>The destination <c>chat</c> of the type, sending to <paramref name="receiver"/>, with no rate limit.</summary>
    protected abstract Dictionary<string, string?> Settings(FakeReceiver receiver);

    protected abstract FakeResponse Success { get; }

    /// <summary>The service's 429 telling to wait <paramref name="seconds"/>.</summary>
    protected virtual FakeResponse RateLimited(int seconds) =>
        new(429, "", new Dictionary<string, string> { ["Retry-After"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    /// <summary>A 4xx the service answers to a bad request; its body contains <see cref="Secret"/>.</summary>
    protected abstract FakeResponse Refused { get; }

    /// <summary>The stored error of <see cref="Refused"/>, the secret masked.</summary>
    protected abstract string RefusedError { get; }

    /// <summary>The credential of the destination (in its URL or its token).</summary>
    protected abstract string Secret { get; }

    /// <summary>The body text of the request, to find the rendered template in.</summary>
    protected virtual string MessageText(RecordedRequest request) => request.BodyText;

    /// <summary>A shell in a pod: container, pod, namespace, user and command fields present.</summary>
    protected static Notification InAPod(int n = 1)
    {
        var alert = TestAlerts.Shell(n);
        var fields = new Dictionary<string, JsonElement>(alert.OutputFields!)
        {
            ["container.name"] = JsonSerializer.SerializeToElement("nginx"),
            ["k8s.pod.name"] = JsonSerializer.SerializeToElement("nginx-7d9f8-x2x"),
            ["user.name"] = JsonSerializer.SerializeToElement("root"),
            ["proc.cmdline"] = JsonSerializer.SerializeToElement("sh -c cat /etc/shadow"),
        };
        return TestAlerts.FromInbox(new FalcoAlert
        {
            Rule = alert.Rule, Priority = alert.Priority, Time = alert.Time, Output = alert.Output, Source = alert.Source,
            Hostname = alert.Hostname, Tags = alert.Tags, OutputFields = fields,
        }, $"fp-{n:D4}");
    }

    /// <summary>
    /// Delivers <paramref name="notification"/> through the type (its <see cref="Settings"/> plus <paramref name="extra"/>)
    /// to a receiver that answers <see cref="Success"/>, and returns the one request it received.
    /// </summary>
    protected async Task<RecordedRequest> DeliverOneAsync(Notification notification, Dictionary<string, string?>? extra = null)
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = Success;
        var settings = Settings(receiver);
        foreach (var (key, value) in extra ?? []) settings[key] = value;
        await using var host = await DeliveryTestHost.StartAsync(settings);

        var id = (await host.EnqueueAsync(notification, Chat)).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);
        return request;
    }

    [Fact]
    public async Task A_429_waits_as_long_as_the_service_says_then_the_message_is_delivered()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        await using var receiver = await FakeReceiver.StartAsync(time);
        receiver.Script(RateLimited(7));
        receiver.Default = Success;
        await using var host = await DeliveryTestHost.StartAsync(Settings(receiver), time);

        var id = (await host.EnqueueAsync(InAPod(), Chat)).Single();
        var waiting = await host.WaitForAsync(id, r => r.Attempts == 1);

        Assert.Equal(DeliveryState.Pending, waiting.State);
        Assert.Equal(start.AddSeconds(7), waiting.NextAttemptAt);
        Assert.StartsWith("HTTP 429", waiting.LastError);
        time.Advance(TimeSpan.FromSeconds(7));
        var delivered = await host.WaitForStateAsync(id, DeliveryState.Delivered);
        Assert.Equal(2, delivered.Attempts);
        Assert.Equal(2, receiver.Requests.Count);
    }

    [Fact]
    public async Task Server_errors_are_retried_until_delivered()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Script(new FakeResponse(500), new FakeResponse(503));
        receiver.Default = Success;
        await using var host = await DeliveryTestHost.StartAsync(Settings(receiver));

        var id = (await host.EnqueueAsync(InAPod(), Chat)).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal(3, record.Attempts);
        Assert.Equal(3, receiver.Requests.Count);
    }

    [Fact]
    public async Task A_refused_message_is_dead_at_once_with_the_services_error_and_the_secret_masked()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = Refused;
        await using var host = await DeliveryTestHost.StartAsync(Settings(receiver));

        var id = (await host.EnqueueAsync(InAPod(), Chat)).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.Equal(RefusedError, record.LastError);
        Assert.DoesNotContain(Secret, record.LastError);
        Assert.Single(receiver.Requests);
        await Eventually.TrueAsync(() => host.Logs.AllText.Contains(id, StringComparison.Ordinal), "the dead letter logged");
        Assert.DoesNotContain(Secret, host.Logs.AllText);
    }

    [Fact]
    public async Task A_template_over_a_missing_field_renders_what_it_can_and_is_delivered()
    {
        var request = await DeliverOneAsync(InAPod(), new()
        {
            [$"FalcoHook:Destinations:{Chat}:Template:Title"] = "On {{ output_fields[\"no.such.field\"] }}{{ hostname }}",
            [$"FalcoHook:Destinations:{Chat}:Template:Body"] = "pod={{ output_fields[\"k8s.pod.name\"] }} image={{ output_fields[\"container.image.repository\"] }}!",
        });

        var text = MessageText(request);
        Assert.Contains("On falco-xczjd", text);
        Assert.Contains("pod=nginx-7d9f8-x2x image=!", text);
    }
}
