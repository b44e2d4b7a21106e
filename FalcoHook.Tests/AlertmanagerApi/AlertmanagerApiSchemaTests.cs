using System.Net;
using System.Text;
using System.Text.Json;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.AlertmanagerApi;

/// <summary>
/// Every implemented <c>/api/v2</c> operation, its request and response bodies validated by JsonSchema.Net against the
/// schemas of Alertmanager's own specification (<see cref="AlertmanagerSpec"/>), with alerts in every state (routed,
/// silenced, inhibited) so every optional part of the answers is there to be checked.
/// </summary>
public sealed class AlertmanagerApiSchemaTests : IAsyncLifetime
{
    private readonly AlertmanagerSpec _spec = AlertmanagerSpec.Load();
    private FakeReceiver _receiver = null!;
    private FalcoHookFactory _factory = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _receiver = await FakeReceiver.StartAsync();
        _factory = new FalcoHookFactory().WithApiKeys()
            .With("FalcoHook:Destinations:siem:Type", "webhook")
            .With("FalcoHook:Destinations:siem:Url", _receiver.Url("/siem"))
            .With("FalcoHook:Destinations:siem:MuteTimeIntervals:0", "never")
            .With("FalcoHook:TimeIntervals:never:0:Years:0", "1999")
            .With("FalcoHook:Pipeline:Inhibit:0:SourceMatchers:0", "alertname=\"Container escape\"")
            .With("FalcoHook:Pipeline:Inhibit:0:TargetMatchers:0", "alertname=\"Terminal shell in container\"")
            .With("FalcoHook:Pipeline:Inhibit:0:Equal:0", "hostname");
        _client = _factory.Client();
    }

    public async Task DisposeAsync()
    {
        _factory.Dispose();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task Every_operation_answers_in_the_shapes_of_alertmanagers_specification()
    {
        // POST /silences: the request as amtool sends it, then the answer.
        var postable = $$"""
            {"matchers":[{"name":"hostname","value":"node-2","isRegex":false,"isEqual":true},{"name":"alertname","value":"Terminal.*","isRegex":true}],
             "startsAt":"{{DateTimeOffset.UtcNow:O}}","endsAt":"{{DateTimeOffset.UtcNow.AddHours(1):O}}","createdBy":"amtool","comment":"schema test"}
            """;
        AlertmanagerSpec.AssertValid(_spec.Request("/silences", "post"), postable, "the POST /silences request");
        var created = await SendAsync(HttpMethod.Post, "/silences", postable, HttpStatusCode.OK);
        var silenceId = JsonDocument.Parse(created).RootElement.GetProperty("silenceID").GetString()!;

        // Alerts in every state: routed (node-1), silenced (node-2), inhibited (node-3, after its container escape).
        await AmAlerts.PostAsync(_factory, _client,
            AmAlerts.Json("Terminal shell in container", "node-1"),
            AmAlerts.Json("Terminal shell in container", "node-2"),
            AmAlerts.Json("Container escape", "node-3"),
            AmAlerts.Json("Terminal shell in container", "node-3"));

        await SendAsync(HttpMethod.Get, "/status", null, HttpStatusCode.OK);
        await SendAsync(HttpMethod.Get, "/receivers", null, HttpStatusCode.OK);
        await SendAsync(HttpMethod.Get, "/silences", null, HttpStatusCode.OK);
        await SendAsync(HttpMethod.Get, "/silences?filter=hostname%3D%22node-2%22", null, HttpStatusCode.OK);
        await SendAsync(HttpMethod.Get, $"/silence/{silenceId}", null, HttpStatusCode.OK, "/silence/{silenceID}");
        var alerts = await SendAsync(HttpMethod.Get, "/alerts", null, HttpStatusCode.OK);
        await SendAsync(HttpMethod.Get, "/alerts?active=true&silenced=false&inhibited=false&filter=alertname%3D~%22Terminal.*%22&receiver=siem", null, HttpStatusCode.OK);
        await SendAsync(HttpMethod.Get, "/alerts/groups", null, HttpStatusCode.OK);
        await SendAsync(HttpMethod.Get, "/alerts/groups?muted=false", null, HttpStatusCode.OK);

        // The states are all there, so the optional parts were validated too.
        var states = JsonDocument.Parse(alerts).RootElement.EnumerateArray()
            .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "Terminal shell in container")
            .ToDictionary(a => a.GetProperty("labels").GetProperty("hostname").GetString()!, a => a.GetProperty("status"));
        Assert.Equal("active", states["node-1"].GetProperty("state").GetString());
        Assert.Equal(silenceId, states["node-2"].GetProperty("silencedBy")[0].GetString());
        Assert.Equal("suppressed", states["node-3"].GetProperty("state").GetString());
        Assert.Equal(1, states["node-3"].GetProperty("inhibitedBy").GetArrayLength());

        // Replacing a silence, expiring one, and the errors the specification defines.
        var replacement = postable.Replace("{\"matchers\"", $"{{\"id\":\"{silenceId}\",\"matchers\"", StringComparison.Ordinal);
        AlertmanagerSpec.AssertValid(_spec.Request("/silences", "post"), replacement, "the POST /silences update request");
        await SendAsync(HttpMethod.Post, "/silences", replacement, HttpStatusCode.OK);
        await SendAsync(HttpMethod.Delete, $"/silence/{silenceId}", null, HttpStatusCode.OK, "/silence/{silenceID}");
        await SendAsync(HttpMethod.Delete, $"/silence/{Guid.NewGuid()}", null, HttpStatusCode.NotFound, "/silence/{silenceID}");
        await SendAsync(HttpMethod.Get, $"/silence/{Guid.NewGuid()}", null, HttpStatusCode.NotFound, "/silence/{silenceID}");
        await SendAsync(HttpMethod.Post, "/silences", replacement.Replace(silenceId, Guid.NewGuid().ToString(), StringComparison.Ordinal), HttpStatusCode.NotFound);
        var everything = """{"matchers":[{"name":"hostname","value":".*","isRegex":true}],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"x","comment":"y"}""";
        await SendAsync(HttpMethod.Post, "/silences", everything, HttpStatusCode.BadRequest);
        await SendAsync(HttpMethod.Get, "/silences?filter=hostname%3D~%22%28%22", null, HttpStatusCode.BadRequest);
        await SendAsync(HttpMethod.Get, "/alerts?filter=%3D%22x%22", null, HttpStatusCode.BadRequest);
        await SendAsync(HttpMethod.Get, "/alerts/groups?receiver=%28", null, HttpStatusCode.BadRequest);
    }

    [Fact]
    public void The_validator_rejects_what_the_specification_does_not_allow()
    {
        // The checks above can fail: bodies Alertmanager's schemas reject are rejected.
        Assert.NotEmpty(AlertmanagerSpec.Errors(_spec.Request("/silences", "post"), """{"matchers":[],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-02T00:00:00Z","createdBy":"a","comment":"b"}"""));
        Assert.NotEmpty(AlertmanagerSpec.Errors(_spec.Response("/alerts", "get", 200), """[{"labels":{"a":"b"},"annotations":{},"receivers":[],"fingerprint":"f","startsAt":"yesterday","updatedAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T00:00:00Z","status":{"state":"active","silencedBy":[],"inhibitedBy":[],"mutedBy":[]}}]"""));
        Assert.NotEmpty(AlertmanagerSpec.Errors(_spec.Response("/alerts", "get", 200), """[{"labels":{"a":1},"annotations":{},"receivers":[],"fingerprint":"f","startsAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T00:00:00Z","status":{"state":"active","silencedBy":[],"inhibitedBy":[],"mutedBy":[]}}]"""));
        Assert.NotEmpty(AlertmanagerSpec.Errors(_spec.Response("/silence/{silenceID}", "get", 200), """{"id":"x","status":{"state":"gone"},"updatedAt":"2026-01-01T00:00:00Z","matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T00:00:00Z","createdBy":"a","comment":"b","annotations":{}}"""));
        Assert.NotEmpty(AlertmanagerSpec.Errors(_spec.Response("/status", "get", 200), """{"cluster":{"status":"disabled"},"config":{"original":""},"uptime":"2026-01-01T00:00:00Z"}"""));
        Assert.Empty(AlertmanagerSpec.Errors(_spec.Response("/silence/{silenceID}", "get", 200), """{"id":"x","status":{"state":"active"},"updatedAt":"2026-01-01T00:00:00Z","matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T00:00:00Z","createdBy":"a","comment":"b","annotations":{}}"""));
    }

    /// <summary>Sends one request; checks the status, and the body against the specification's schema for that answer.</summary>
    private async Task<string> SendAsync(HttpMethod method, string pathAndQuery, string? body, HttpStatusCode expected, string? specPath = null)
    {
        using var request = new HttpRequestMessage(method, "/api/v2" + pathAndQuery);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{method} {pathAndQuery}: {(int)response.StatusCode} {text}");
        var path = specPath ?? pathAndQuery.Split('?')[0];
        var verb = method.Method.ToLowerInvariant();
        if (_spec.ResponseHasBody(path, verb, (int)expected))
            AlertmanagerSpec.AssertValid(_spec.Response(path, verb, (int)expected), text, $"{method} {pathAndQuery} ({(int)expected})");
        else Assert.Equal("", text);
        return text;
    }
}
