using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: pubsub</c> against fakes of Google's token endpoint and the Pub/Sub REST publish method as documented (tested
/// against the documented API): each test makes its own RSA key and a service-account key whose token URI is the fake.
/// </summary>
public sealed class PubSubDeliveryTests
{
    private const string Email = "falcohook@falco-project.iam.gserviceaccount.com";

    [Fact]
    public async Task Alerts_arrive_complete_in_one_request_per_ordering_key_with_a_token_from_the_signed_assertion()
    {
        using var key = RSA.Create(2048);
        await using var receiver = await FakeReceiver.StartAsync();
        var pubsub = new PubSubFake("falco-project", "falco-alerts", key, Email, TimeProvider.System) { TokenUri = receiver.Url("/token") };
        receiver.Responder = pubsub.Answer;
        using var dir = new TempDirectory();
        await using var host = await StartAsync(receiver, new()
        {
            ["CredentialsFile"] = KeyFile(dir, key, pubsub.TokenUri),
            ["BatchLinger"] = "00:00:00.300",
            ["OrderingKey"] = "falco.priority",
            ["Attributes:cluster"] = "prod-eu",
        });
        var notifications = Enumerable.Range(1, 5).Select(n => TestAlerts.Notification(n, n % 2 == 0 ? Priority.Warning : Priority.Critical))
            .Append(TestAlerts.StormSummary()).ToList();

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["topic"])).ToList(), CancellationToken.None);
        await WaitDeliveredAsync(host, 6, pubsub);
        var second = (await host.EnqueueAsync(TestAlerts.Notification(7), "topic")).Single();
        await host.WaitForStateAsync(second, DeliveryState.Delivered);

        Assert.Empty(pubsub.Malformed);
        Assert.Single(pubsub.Grants); // the token is kept until it nears expiry
        Assert.Equal([4, 2, 1], pubsub.Requests.Select(r => r.Count).Order().Reverse()); // Critical and Warning apart, then the 7th
        Assert.Equal(7, pubsub.Published.Count);
        var one = pubsub.Published.Single(p => p.Data == notifications[1].Alert.ToJson());
        Assert.Equal("Warning", one.Attributes["priority"]);
        Assert.Equal("Warning", one.OrderingKey);
        Assert.Equal("Terminal shell in container", one.Attributes["rule"]);
        Assert.Equal("syscall", one.Attributes["source"]);
        Assert.Equal("falco-xczjd", one.Attributes["hostname"]);
        Assert.Equal("prod-eu", one.Attributes["cluster"]);
        Assert.Equal(second, pubsub.Published.Single(p => p.Data.Contains("n=7)")).Attributes["delivery_id"]);
        Assert.Contains(pubsub.Published, p => p.Data.Contains("\"falcohook.count\":42"));
        Assert.All(pubsub.Published, p => Assert.Equal(p.Attributes["priority"], p.OrderingKey));
    }

    [Fact]
    public async Task The_token_is_kept_until_five_minutes_before_it_expires_then_a_new_assertion_is_signed()
    {
        var start = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        using var key = RSA.Create(2048);
        await using var receiver = await FakeReceiver.StartAsync(time);
        var pubsub = new PubSubFake("falco-project", "falco-alerts", key, Email, time) { TokenUri = receiver.Url("/token") };
        receiver.Responder = pubsub.Answer;
        using var dir = new TempDirectory();
        await using var host = await StartAsync(receiver, new() { ["CredentialsFile"] = KeyFile(dir, key, pubsub.TokenUri), ["BatchLinger"] = "00:00:00" }, time);

        await host.WaitForStateAsync((await host.EnqueueAsync(TestAlerts.Notification(1), "topic")).Single(), DeliveryState.Delivered);
        time.Advance(TimeSpan.FromMinutes(54)); // 59 min 59 s of life left less the 5 min margin: still fresh
        await host.WaitForStateAsync((await host.EnqueueAsync(TestAlerts.Notification(2), "topic")).Single(), DeliveryState.Delivered);
        Assert.Single(pubsub.Grants);
        time.Advance(TimeSpan.FromMinutes(1)); // within the margin: a new grant before the old token runs out
        await host.WaitForStateAsync((await host.EnqueueAsync(TestAlerts.Notification(3), "topic")).Single(), DeliveryState.Delivered);

        Assert.Empty(pubsub.Malformed);
        Assert.Equal(2, pubsub.Grants.Count);
        Assert.Equal(start.ToUnixTimeSeconds(), pubsub.Grants[0].GetProperty("iat").GetInt64());
        Assert.Equal(start.AddMinutes(55).ToUnixTimeSeconds(), pubsub.Grants[1].GetProperty("iat").GetInt64());
        Assert.Equal(start.AddMinutes(55).AddHours(1).ToUnixTimeSeconds(), pubsub.Grants[1].GetProperty("exp").GetInt64());
        var tokens = pubsub.Requests.Select(r => r.Token).ToList();
        Assert.Equal(3, tokens.Count);
        Assert.Equal(tokens[0], tokens[1]);
        Assert.NotEqual(tokens[1], tokens[2]);
    }

    [Fact]
    public async Task More_than_1000_messages_are_split_429_and_503_are_retried_a_refused_token_is_replaced_and_400_403_404_are_dead()
    {
        using var key = RSA.Create(2048);
        await using var receiver = await FakeReceiver.StartAsync();
        var pubsub = new PubSubFake("falco-project", "falco-alerts", key, Email, TimeProvider.System)
        {
            FailPublish = n => n switch
            {
                1 => PubSubFake.GoogleError(429, "RESOURCE_EXHAUSTED", "Quota exceeded."),
                2 => PubSubFake.GoogleError(503, "UNAVAILABLE", "The service is currently unavailable."),
                _ => null,
            },
        };
        pubsub.TokenUri = receiver.Url("/token");
        receiver.Responder = pubsub.Answer;
        using var dir = new TempDirectory();
        await using var host = await StartAsync(receiver, new()
        {
            ["CredentialsFile"] = KeyFile(dir, key, pubsub.TokenUri), ["BatchSize"] = "1500", ["BatchLinger"] = "00:00:00.500",
        });

        await host.Outbox.EnqueueAsync(Enumerable.Range(1, 1500).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["topic"])).ToList(), CancellationToken.None);
        await WaitDeliveredAsync(host, 1500, pubsub);
        Assert.Empty(pubsub.Malformed);
        Assert.All(pubsub.Requests, r => Assert.InRange(r.Count, 1, 1000));
        Assert.Equal([1000, 500], pubsub.Attempted.Take(2)); // the batch of 1,500 as two requests (both refused on cue, then retried in whatever batches their backoff falls into)
        Assert.Equal(1500, pubsub.Published.Select(p => p.Attributes["delivery_id"]).Distinct().Count());
        Assert.Equal(1500, pubsub.Published.Count);

        pubsub.RevokeTokens();
        var again = (await host.EnqueueAsync(TestAlerts.Notification(2000), "topic")).Single();
        var delivered = await host.WaitForStateAsync(again, DeliveryState.Delivered);
        Assert.Equal(2, delivered.Attempts); // 401 UNAUTHENTICATED, then a new token
        Assert.Equal(2, pubsub.Grants.Count);

        foreach (var (status, code) in new[] { (400, "INVALID_ARGUMENT"), (403, "PERMISSION_DENIED"), (404, "NOT_FOUND") })
        {
            pubsub.FailPublish = _ => PubSubFake.GoogleError(status, code);
            var refused = (await host.EnqueueAsync(TestAlerts.Notification(9000 + status), "topic")).Single();
            var record = await host.WaitForStateAsync(refused, DeliveryState.Dead);
            Assert.Equal(1, record.Attempts);
            Assert.Contains($"HTTP {status}", record.LastError);
            Assert.Contains(code, record.LastError);
        }
    }

    [Fact]
    public async Task A_key_the_token_endpoint_refuses_keeps_alerts_pending_with_the_inline_key_masked()
    {
        using var key = RSA.Create(2048);
        using var other = RSA.Create(2048);
        await using var receiver = await FakeReceiver.StartAsync();
        var pubsub = new PubSubFake("falco-project", "falco-alerts", key, Email, TimeProvider.System) { TokenUri = receiver.Url("/token") };
        var inline = Convert.ToBase64String(Encoding.UTF8.GetBytes(KeyJson(other, pubsub.TokenUri))); // as Falcosidekick's gcp.credentials
        var keyLine = other.ExportPkcs8PrivateKeyPem().Split('\n')[3];
        receiver.Responder = request => request.Path != "/token" ? pubsub.Answer(request) : pubsub.Answer(request) is { Status: 400 } refused
            ? refused with { Body = $"{{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature for {keyLine}\"}}" }
            : throw new InvalidOperationException("the fake granted a token for the wrong key");
        await using var host = await StartAsync(receiver, new() { ["Credentials"] = inline });

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "topic")).Single();
        var record = await host.WaitForAsync(id, r => r.Attempts >= 2);

        Assert.Equal(DeliveryState.Pending, record.State);
        Assert.StartsWith("no Google access token: the token endpoint refused the grant: HTTP 400", record.LastError);
        Assert.Contains("Invalid JWT Signature for " + Redaction.Mask, record.LastError);
        Assert.DoesNotContain(keyLine, host.Logs.AllText);
        Assert.True(host.Services.GetRequiredService<DestinationCatalog>().TryGet("topic", out var destination));
        Assert.Contains(inline, destination.Secrets);
        Assert.Equal(0, pubsub.Publishes);
    }

    [Fact]
    public async Task An_emulator_endpoint_takes_messages_without_a_key()
    {
        using var key = RSA.Create(2048);
        await using var receiver = await FakeReceiver.StartAsync();
        var pubsub = new PubSubFake("falco-project", "falco-alerts", key, Email, TimeProvider.System) { Emulator = true };
        receiver.Responder = pubsub.Answer;
        await using var host = await StartAsync(receiver, []);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "topic")).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Empty(pubsub.Malformed);
        Assert.Single(pubsub.Published);
        Assert.Empty(pubsub.Grants);
    }

    [Fact]
    public async Task Settings_errors_name_their_key()
    {
        using var dir = new TempDirectory();
        var notAKey = dir.File("not-a-key.json");
        await File.WriteAllTextAsync(notAKey, "{\"type\":\"authorized_user\"}");
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:ps:Type"] = "pubsub",
            ["FalcoHook:Destinations:ps:Project"] = "X",
            ["FalcoHook:Destinations:ps:Topic"] = "goog-alerts",
            ["FalcoHook:Destinations:ps:CredentialsFile"] = "/no/such/key.json",
            ["FalcoHook:Destinations:ps:Attributes:googlish"] = "x",
            ["FalcoHook:Destinations:ps:Attributes:rule"] = "x",
            ["FalcoHook:Destinations:nokey:Type"] = "pubsub",
            ["FalcoHook:Destinations:nokey:Project"] = "falco-project",
            ["FalcoHook:Destinations:nokey:Topic"] = "falco-alerts",
            ["FalcoHook:Destinations:badkey:Type"] = "pubsub",
            ["FalcoHook:Destinations:badkey:Project"] = "falco-project",
            ["FalcoHook:Destinations:badkey:Topic"] = "falco-alerts",
            ["FalcoHook:Destinations:badkey:CredentialsFile"] = notAKey,
            ["FalcoHook:Destinations:inline:Type"] = "pubsub",
            ["FalcoHook:Destinations:inline:Project"] = "falco-project",
            ["FalcoHook:Destinations:inline:Topic"] = "falco-alerts",
            ["FalcoHook:Destinations:inline:Credentials"] = "bm90IGpzb24=",
        }));

        Assert.Contains("FalcoHook:Destinations:ps:Project must be a project id", failure.Message);
        Assert.Contains("FalcoHook:Destinations:ps:Topic must be a topic id", failure.Message);
        Assert.Contains("FalcoHook:Destinations:ps:CredentialsFile /no/such/key.json does not exist", failure.Message);
        Assert.Contains("FalcoHook:Destinations:ps:Attributes:googlish must not start with goog", failure.Message);
        Assert.Contains("FalcoHook:Destinations:ps:Attributes:rule is set by FalcoHook", failure.Message);
        Assert.Contains("FalcoHook:Destinations:nokey:Credentials or CredentialsFile (a service-account key) is required for type pubsub", failure.Message);
        Assert.Contains($"FalcoHook:Destinations:badkey:CredentialsFile {notAKey} is not a service-account key", failure.Message);
        Assert.Contains("FalcoHook:Destinations:inline:Credentials is not valid JSON", failure.Message);
    }

    private static string KeyJson(RSA key, string tokenUri) => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["type"] = "service_account",
        ["project_id"] = "falco-project",
        ["private_key_id"] = "0123456789abcdef",
        ["private_key"] = key.ExportPkcs8PrivateKeyPem() + "\n",
        ["client_email"] = Email,
        ["client_id"] = "123456789012345678901",
        ["auth_uri"] = "https://accounts.google.com/o/oauth2/auth",
        ["token_uri"] = tokenUri,
    });

    private static string KeyFile(TempDirectory dir, RSA key, string tokenUri)
    {
        var path = dir.File("service-account.json");
        File.WriteAllText(path, KeyJson(key, tokenUri));
        return path;
    }

    private static Task<DeliveryTestHost> StartAsync(FakeReceiver receiver, Dictionary<string, string> extra, TimeProvider? time = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:topic:Type"] = "pubsub",
            ["FalcoHook:Destinations:topic:Project"] = "falco-project",
            ["FalcoHook:Destinations:topic:Topic"] = "falco-alerts",
            ["FalcoHook:Destinations:topic:Endpoint"] = receiver.Url("/"),
        };
        foreach (var (k, value) in extra) settings["FalcoHook:Destinations:topic:" + k] = value;
        return DeliveryTestHost.StartAsync(settings, time);
    }

    private static Task WaitDeliveredAsync(DeliveryTestHost host, int count, PubSubFake pubsub) =>
        Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == count,
            $"{count} delivered", detail: () => "malformed: " + string.Join(", ", pubsub.Malformed));
}
