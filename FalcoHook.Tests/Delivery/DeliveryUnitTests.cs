using System.Net;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Pipeline;
using Microsoft.Extensions.Time.Testing;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Delivery;

public sealed class DeliveryUnitTests
{
    [Fact]
    public void A_notification_survives_its_stored_json()
    {
        var original = TestAlerts.Notification(3) with
        {
            Enrichment = new Enrichment
            {
                Severity = "High", Category = "execution", Techniques = ["T1059"],
                Indicators = new Dictionary<string, string> { ["process"] = "sh" },
                Recommendations = ["Check the pod"], CustomFields = new Dictionary<string, string> { ["team"] = "sec" },
            },
            Digest = new AlertDigest
            {
                Count = 7, FirstSeen = new FalcoTime(1685022245000000001L), LastSeen = new FalcoTime(1685022305999999999L), FirstOutput = "first",
                GroupKey = new Dictionary<string, string> { ["rule"] = "x" },
                Samples = new Dictionary<string, IReadOnlyList<string>> { ["proc.name"] = ["sh", "bash"] },
            },
        };

        var copy = NotificationJson.Deserialize(NotificationJson.Serialize(original));

        Assert.Equal(original.Fingerprint, copy.Fingerprint);
        Assert.Equal(original.Alert.ToJson(), copy.Alert.ToJson());
        Assert.Equal("T1059", Assert.Single(copy.Enrichment!.Techniques));
        Assert.Equal("sh", copy.Enrichment.Indicators["process"]);
        Assert.Equal("sec", copy.Enrichment.CustomFields["team"]);
        Assert.Equal("Check the pod", Assert.Single(copy.Enrichment.Recommendations));
        Assert.Equal(7, copy.Digest!.Count);
        Assert.Equal(original.Digest.FirstSeen, copy.Digest.FirstSeen);
        Assert.Equal(original.Digest.LastSeen, copy.Digest.LastSeen);
        Assert.Equal(["sh", "bash"], copy.Digest.Samples["proc.name"]);
        Assert.Equal("x", copy.Digest.GroupKey["rule"]);
    }

    [Fact]
    public void Retry_After_as_an_http_date_is_measured_on_the_time_provider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(time.GetUtcNow().AddSeconds(90));

        Assert.Equal(TimeSpan.FromSeconds(90), HttpOutcome.RetryAfter(response, time));
    }

    [Theory]
    [InlineData(408, SendOutcome.Retry)]
    [InlineData(429, SendOutcome.Retry)]
    [InlineData(500, SendOutcome.Retry)]
    [InlineData(503, SendOutcome.Retry)]
    [InlineData(400, SendOutcome.Permanent)]
    [InlineData(401, SendOutcome.Permanent)]
    [InlineData(410, SendOutcome.Permanent)]
    [InlineData(302, SendOutcome.Permanent)]
    [InlineData(204, SendOutcome.Delivered)]
    public async Task Statuses_are_classified(int status, SendOutcome outcome)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent("") };
        Assert.Equal(outcome, (await HttpOutcome.FromResponseAsync(response, TimeProvider.System, CancellationToken.None)).Outcome);
    }

    [Fact]
    public void Backoff_doubles_with_jitter_up_to_the_cap_and_Retry_After_is_a_floor()
    {
        var options = new DeliveryOptions { InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(10), MaxAttempts = 5, MaxAge = TimeSpan.FromHours(1) };
        var policy = new RetryPolicy(options, new Random(42));
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.InRange(policy.Backoff(1), TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1));
        Assert.InRange(policy.Backoff(3), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        Assert.InRange(policy.Backoff(20), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
        Assert.Equal(now.AddSeconds(30), policy.NextAttempt(1, now, now, TimeSpan.FromSeconds(30)));
        Assert.Null(policy.NextAttempt(5, now, now, null)); // out of attempts
        Assert.Null(policy.NextAttempt(1, now.AddHours(-1), now, null)); // out of age
    }
}
