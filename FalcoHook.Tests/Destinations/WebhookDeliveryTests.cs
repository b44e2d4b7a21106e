using System.Security.Cryptography;
using System.Text;
using FalcoHook.Core.Delivery;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

public sealed class WebhookDeliveryTests
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();
    private static readonly string Secret = "whsec_" + Convert.ToBase64String(Key);

    [Fact]
    public async Task Webhook_gets_the_falco_alert_json_signed_per_standard_webhooks()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:siem:Type"] = "webhook",
            ["FalcoHook:Destinations:siem:Url"] = receiver.Url("/falco/hook?tenant=a1"),
            ["FalcoHook:Destinations:siem:Secret"] = Secret,
            ["FalcoHook:Destinations:siem:Headers:X-Api-Key"] = "key-123456",
        });
        var notification = TestAlerts.Notification(1);

        var id = (await host.EnqueueAsync(notification, "siem")).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal("POST", request.Method);
        Assert.Equal("/falco/hook", request.Path);
        Assert.Equal("?tenant=a1", request.Query);
        Assert.Equal(notification.Alert.ToJsonBytes(), request.Body);
        Assert.Equal(1685022245478445995L, request.Json.GetProperty("output_fields").GetProperty("evt.time").GetInt64());
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Equal("key-123456", request.Header("X-Api-Key"));
        Assert.Equal(id, request.Header("webhook-id"));
        Assert.StartsWith("msg_", id);
        Assert.True(Verify(request, Key, DateTimeOffset.UtcNow), "signature verifies on the receiving side");
        Assert.Equal(1, record.Attempts);
    }

    [Fact]
    public async Task Webhook_put_method_is_honoured_and_unsigned_without_secret()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:siem:Type"] = "webhook",
            ["FalcoHook:Destinations:siem:Url"] = receiver.Url("/put-here"),
            ["FalcoHook:Destinations:siem:Method"] = "PUT",
        });

        var id = (await host.EnqueueAsync(TestAlerts.Notification(2), "siem")).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal("PUT", request.Method);
        Assert.Equal(id, request.Header("webhook-id"));
        Assert.Null(request.Header("webhook-signature"));
    }

    [Fact]
    public void Signature_matches_the_standard_webhooks_reference_vector()
    {
        // The specification's example: secret, msg id, timestamp and body with its published signature.
        var key = Convert.FromBase64String("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        var body = Encoding.UTF8.GetBytes("{\"test\": 2432232314}");
        var signature = Core.Destinations.Webhook.StandardWebhookSigner.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    /// <summary>Independent receiver-side verification, as the spec describes (constant-time compare, tolerance 5 min).</summary>
    internal static bool Verify(RecordedRequest request, byte[] key, DateTimeOffset now)
    {
        var id = request.Header("webhook-id")!;
        var timestamp = long.Parse(request.Header("webhook-timestamp")!, System.Globalization.CultureInfo.InvariantCulture);
        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > 300) return false;
        using var hmac = new HMACSHA256(key);
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(request.Body).ToArray();
        var expected = Convert.ToBase64String(hmac.ComputeHash(signed));
        foreach (var candidate in request.Header("webhook-signature")!.Split(' '))
        {
            var parts = candidate.Split(',', 2);
            if (parts.Length == 2 && parts[0] == "v1" &&
                CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(parts[1]), Encoding.ASCII.GetBytes(expected)))
                return true;
        }
        return false;
    }
}
