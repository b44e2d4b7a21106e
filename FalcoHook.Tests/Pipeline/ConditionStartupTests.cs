using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Pipeline;

/// <summary>Drop rules and destination conditions are compiled by the real rules engine when the service starts.</summary>
public sealed class ConditionStartupTests
{
    [Theory]
    [InlineData("FalcoHook:Pipeline:Drop:0", "falco.rule = \"Terminal shell\" and (k8s.ns.name = kube-system", "FalcoHook:Pipeline:Drop:0")]
    [InlineData("FalcoHook:Pipeline:Drop:0", "falco.rule === x", "FalcoHook:Pipeline:Drop:0")]
    [InlineData("FalcoHook:Destinations:siem:Condition", "falco.source = k8s_audit and not", "FalcoHook:Destinations:siem:Condition")]
    [InlineData("FalcoHook:Destinations:siem:Condition", "falco.nosuchfield = 1", "FalcoHook:Destinations:siem:Condition")]
    public void A_condition_that_does_not_compile_stops_start_up_naming_the_key_and_the_position(string key, string condition, string named)
    {
        using var factory = new FalcoHookFactory()
            .With("FalcoHook:Destinations:siem:Type", "webhook")
            .With("FalcoHook:Destinations:siem:Url", "http://127.0.0.1:9/")
            .With(key, condition);

        var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        var message = failure.ToString();
        Assert.Contains(named, message, StringComparison.Ordinal);
        Assert.Matches(@"1:\d+: ", message);
    }

    [Fact]
    public async Task A_valid_drop_rule_in_falco_syntax_drops_what_it_matches_and_nothing_else()
    {
        await using var webhook = await FakeReceiver.StartAsync();
        using var factory = new FalcoHookFactory()
            .With("FalcoHook:Pipeline:Drop:0", "falco.rule = \"Terminal shell in container\" and k8s.ns.name = kube-system")
            .With("FalcoHook:Destinations:siem:Type", "webhook")
            .With("FalcoHook:Destinations:siem:Url", webhook.Url("/drop"));
        var client = factory.CreateClient();
        static string Alert(string ns) =>
            $$$"""{"rule":"Terminal shell in container","priority":"Notice","time":"2024-01-01T00:00:00Z","output":"shell in {{{ns}}}","output_fields":{"k8s.ns.name":"{{{ns}}}"}}""";

        var body = new StringContent($"[{Alert("kube-system")},{Alert("shop")}]", System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/json"));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.PostAsync("/", body)).StatusCode);

        await Eventually.TrueAsync(() => factory.Recorder.Total == 2, "both alerts through the drain");
        var delivered = await webhook.WaitForRequestsAsync(1);
        Assert.Contains("shell in shop", delivered[0].BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain(webhook.Requests, r => r.BodyText.Contains("kube-system", StringComparison.Ordinal));
    }
}
