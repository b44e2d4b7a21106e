using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FalcoHook.Api.Endpoints;
using FalcoHook.Api.Pipeline;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using FalcoHook.Tests.Pipeline;

namespace FalcoHook.Tests.Silences;

/// <summary>The silences API on a minimal host: AddSilences + AddPipeline + MapSilences.</summary>
public sealed class SilencesApiTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(PipelineTestKit.Start);
    private readonly RecordingOutbox _outbox = new();
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["FalcoHook:Destinations:all:Type"] = "webhook" });
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton<IOutbox>(_outbox);
        builder.Services.AddSingleton<IAlertConditionCompiler, FalcoAlertConditionCompiler>();
        builder.Services.AddProblemDetails();
        builder.Services.AddSilences().AddPipeline(builder.Configuration);
        _app = builder.Build();
        _app.MapSilences();
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    private static object Request(object[]? matchers = null, DateTimeOffset? endsAt = null, string? createdBy = "alice") => new
    {
        matchers = matchers ?? [new { name = "k8s.ns.name", op = "=~", value = "kube-.*" }],
        endsAt = endsAt ?? PipelineTestKit.Start.AddHours(1),
        createdBy,
        comment = "maintenance",
    };

    [Fact]
    public async Task Created_silence_silences_matching_alerts_until_expired()
    {
        var created = await _client.PostAsJsonAsync("/api/v1/silences", Request());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var silence = (await created.Content.ReadFromJsonAsync<SilenceDto>())!;
        Assert.Equal($"/api/v1/silences/{silence.Id}", created.Headers.Location!.OriginalString);
        Assert.Equal("active", silence.State);
        Assert.Equal("=~", Assert.Single(silence.Matchers).Op);

        var handler = _app.Services.GetRequiredService<IAlertBatchHandler>();
        var kubeSystem = PipelineTestKit.Alert(fields: new Dictionary<string, object> { ["k8s.ns.name"] = "kube-system" });
        var shop = PipelineTestKit.Alert(rule: "Other", fields: new Dictionary<string, object> { ["k8s.ns.name"] = "shop" });
        await handler.HandleAsync(TestInbox.Alerts(kubeSystem, shop), CancellationToken.None);
        Assert.Equal(["Other"], _outbox.Received.Select(r => r.Notification.Alert.Rule));

        var expired = await _client.DeleteAsync($"/api/v1/silences/{silence.Id}");
        Assert.Equal(HttpStatusCode.OK, expired.StatusCode);
        Assert.Equal("expired", (await expired.Content.ReadFromJsonAsync<SilenceDto>())!.State);

        _time.Advance(TimeSpan.FromMinutes(2)); // past the dedup window of the first batch
        await handler.HandleAsync(TestInbox.Alerts(kubeSystem), CancellationToken.None);
        Assert.Equal(["Other", "Terminal shell in container"], _outbox.Received.Select(r => r.Notification.Alert.Rule));
    }

    [Fact]
    public async Task Silences_are_listed_by_state_got_and_expired_by_POST()
    {
        var active = (await (await _client.PostAsJsonAsync("/api/v1/silences", Request())).Content.ReadFromJsonAsync<SilenceDto>())!;
        var pending = (await (await _client.PostAsJsonAsync("/api/v1/silences", new
        {
            matchers = new[] { new { name = "falco.rule", value = "x" } },
            startsAt = PipelineTestKit.Start.AddHours(2), endsAt = PipelineTestKit.Start.AddHours(3), createdBy = "bob",
        })).Content.ReadFromJsonAsync<SilenceDto>())!;
        Assert.Equal("pending", pending.State);
        Assert.Equal("=", pending.Matchers[0].Op);

        var onlyPending = await _client.GetFromJsonAsync<List<SilenceDto>>("/api/v1/silences?state=pending");
        Assert.Equal([pending.Id], onlyPending!.Select(s => s.Id));
        Assert.Equal(2, (await _client.GetFromJsonAsync<List<SilenceDto>>("/api/v1/silences"))!.Count);

        var expire = await _client.PostAsync($"/api/v1/silences/{active.Id}/expire", null);
        Assert.Equal(HttpStatusCode.OK, expire.StatusCode);
        var got = await _client.GetFromJsonAsync<SilenceDto>($"/api/v1/silences/{active.Id}");
        Assert.Equal("expired", got!.State);
        Assert.Equal([active.Id], (await _client.GetFromJsonAsync<List<SilenceDto>>("/api/v1/silences?state=expired"))!.Select(s => s.Id));
    }

    [Fact]
    public async Task Unknown_silence_is_404_problem_details()
    {
        var response = await _client.GetAsync("/api/v1/silences/nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.DeleteAsync("/api/v1/silences/nope")).StatusCode);
    }

    [Fact]
    public async Task Bad_state_filter_is_a_validation_problem_naming_state()
    {
        var errors = await Errors(await _client.GetAsync("/api/v1/silences?state=sleeping"));
        Assert.Contains("state", errors.Keys);
    }

    public static TheoryData<object, string, string> BadRequests => new()
    {
        { Request(matchers: []), "matchers", "At least one matcher is required." },
        { Request(createdBy: null), "createdBy", "createdBy is required." },
        { Request(endsAt: PipelineTestKit.Start.AddMinutes(-1)), "endsAt", "endsAt is in the past." },
        { Request(matchers: [new { name = "falco.rule", op = "=~", value = "(" }]), "matchers[0].value", "Not a valid regular expression" },
        { Request(matchers: [new { name = "falco.rule", op = "~=", value = "x" }]), "matchers[0].op", "Unknown operator '~='" },
        { Request(matchers: [new { name = "", op = "=", value = "x" }]), "matchers[0].name", "The matcher's name" },
        { Request(matchers: [new { name = "falco.rule", op = "=~", value = ".*" }]), "matchers", "must not match the empty string" },
        { Request(matchers: [null!]), "matchers[0]", "A matcher must be an object, not null." },
        { Request(matchers: [new { name = "falco.rule", value = "x" }, null!]), "matchers[1]", "A matcher must be an object, not null." },
        { Request(matchers: [.. Enumerable.Range(0, CreateSilenceRequestValidator.MaxMatchers + 1).Select(i => new { name = "falco.rule", value = $"r{i}" })]),
            "matchers", $"at most {CreateSilenceRequestValidator.MaxMatchers} matchers" },
        { Request(matchers: [new { name = "falco.rule", op = "=~", value = new string('a', MatcherValidator.MaxLength + 1) }]), "matchers[0].value", "must be" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Invalid_silence_is_a_validation_problem_naming_the_field(object request, string field, string message)
    {
        var response = await _client.PostAsJsonAsync("/api/v1/silences", request);

        var errors = await Errors(response);
        Assert.True(errors.TryGetValue(field, out var messages), $"no error for {field}: {string.Join(", ", errors.Keys)}");
        Assert.Contains(messages, m => m.StartsWith(message, StringComparison.Ordinal) || m.Contains(message, StringComparison.Ordinal));
        Assert.Empty((await _client.GetFromJsonAsync<List<SilenceDto>>("/api/v1/silences"))!);
    }

    [Fact]
    public async Task endsAt_must_be_after_startsAt()
    {
        var errors = await Errors(await _client.PostAsJsonAsync("/api/v1/silences", new
        {
            matchers = new[] { new { name = "falco.rule", value = "x" } },
            startsAt = PipelineTestKit.Start.AddHours(3), endsAt = PipelineTestKit.Start.AddHours(2), createdBy = "bob",
        }));

        Assert.Equal(["endsAt must be after startsAt."], errors["endsAt"]);
    }

    private static async Task<Dictionary<string, string[]>> Errors(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("errors").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetString()!).ToArray());
    }
}
