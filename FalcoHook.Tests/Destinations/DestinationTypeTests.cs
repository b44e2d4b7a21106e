using System.Net.Http.Headers;
using System.Text;
using FalcoHook.Api.Destinations;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// A destination type defined here, in the test, and registered with one <c>AddDestinationType</c> call: the shared
/// machinery binds and validates its keys, sends through its sender on its own HttpClient, applies its default
/// rate and masks its secrets, without naming it anywhere.
/// </summary>
public sealed class DestinationTypeTests
{
    private const string Token = "echo-token-0123456789";

    private static Dictionary<string, string?> Echo(string? url, string? token = Token) => new()
    {
        ["FalcoHook:Destinations:echo-1:Type"] = "Echo",
        ["FalcoHook:Destinations:echo-1:Url"] = url,
        ["FalcoHook:Destinations:echo-1:Token"] = token,
        ["FalcoHook:Destinations:echo-1:MinimumPriority"] = "warning",
    };

    [Fact]
    public async Task A_type_registered_with_one_line_is_sent_through_the_shared_machinery_with_its_secrets_masked()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(400, $"bad token {Token}");
        await using var host = await DeliveryTestHost.StartAsync(Echo(receiver.Url("/echo?k=v")), configure: s => s.AddDestinationType<EchoDestination>());

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "echo-1")).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.Equal("POST", request.Method);
        Assert.Equal("/echo", request.Path);
        Assert.Equal("?k=v", request.Query);
        Assert.Equal(Token, request.Header("X-Echo-Token"));
        Assert.Equal("Terminal shell in container", request.BodyText);
        Assert.Equal($"HTTP 400: bad token {Redaction.Mask}", record.LastError);
        Assert.DoesNotContain(Token, host.Logs.AllText);
        var destination = host.Services.GetRequiredService<DestinationCatalog>().All["echo-1"];
        Assert.IsType<EchoDestination>(destination.Type);
        Assert.Equal(2.5, destination.RatePerSecond);
        Assert.Equal(Core.Alerts.Priority.Warning, destination.Options.MinimumPriority);
    }

    [Fact]
    public async Task The_types_own_validation_names_its_key_and_the_type_list_includes_it()
    {
        var settings = Echo("http://127.0.0.1:9/", token: null);
        settings["FalcoHook:Destinations:odd:Type"] = "msteams-connector";

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            DeliveryTestHost.StartAsync(settings, configure: s => s.AddDestinationType<EchoDestination>()));

        Assert.Contains("FalcoHook:Destinations:echo-1:Token is required for type echo", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("FalcoHook:Destinations:odd:Type must be one of slack, pagerduty, webhook", StringComparison.Ordinal)
                                             && f.EndsWith(", echo (got 'msteams-connector')", StringComparison.Ordinal));
    }

    [Fact]
    public void A_type_registered_twice_counts_once_and_two_types_of_one_name_are_refused()
    {
        var services = new ServiceCollection().AddDestinationType<EchoDestination>().AddDestinationType<EchoDestination>();
        Assert.Single(services, s => s.ServiceType == typeof(IDestinationType));

        services.AddDestinationType<OtherEcho>();
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<InvalidOperationException>(() => new DestinationTypes(provider.GetServices<IDestinationType>()));
        Assert.Equal("Two destination types are named 'ECHO'.", error.Message);
    }

    internal sealed class EchoSettings
    {
        public string? Url { get; set; }
        public string? Token { get; set; }
    }

    internal sealed class EchoDestination : DestinationType<EchoSettings, EchoSender>
    {
        public override string Name => "echo";

        public override double DefaultRatePerSecond => 2.5;

        public override IEnumerable<string> Validate(EchoSettings settings, string at)
        {
            foreach (var error in CheckUrl(settings.Url, at, required: true)) yield return error;
            if (string.IsNullOrEmpty(settings.Token)) yield return $"{at}:Token is required for type echo";
        }

        public override Uri Endpoint(EchoSettings settings) => new(settings.Url!);

        public override IEnumerable<string> Secrets(EchoSettings settings) => [settings.Token!];
    }

    internal sealed class OtherEcho : DestinationType<EchoSettings, EchoSender>
    {
        public override string Name => "ECHO";

        public override Uri? Endpoint(EchoSettings settings) => null;
    }

    /// <summary>Posts the rule as plain text with the token in a header, on the destination's named HttpClient.</summary>
    internal sealed class EchoSender(IHttpClientFactory factory, TimeProvider time) : DestinationSender<EchoSettings>
    {
        protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, EchoSettings settings, CancellationToken cancellationToken)
        {
            var client = factory.CreateClient(DestinationCatalog.HttpClientName(attempt.Destination.Name));
            using var request = new HttpRequestMessage(HttpMethod.Post, "");
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(attempt.Notification.Alert.Rule));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            request.Headers.Add("X-Echo-Token", settings.Token);
            using var response = await client.SendAsync(request, cancellationToken);
            return await HttpOutcome.FromResponseAsync(response, time, cancellationToken);
        }
    }
}
