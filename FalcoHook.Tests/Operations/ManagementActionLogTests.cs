using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FalcoHook.Core.Telemetry;
using FalcoHook.Tests.RulesApi;
using FalcoHook.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Tests.Operations;

/// <summary>Every management action is a record in the security event log: who, from where, what, and how it ended.</summary>
public sealed class ManagementActionLogTests
{
    private const string From = "10.9.8.7";

    [Fact]
    public async Task Every_write_is_one_information_record_with_the_key_name_the_address_and_the_status()
    {
        var logs = new LogCapture();
        using var factory = new FalcoHookFactory().WithApiKeys()
            .WithServices(s => s.AddSingleton<ILoggerProvider>(logs).AddSingleton<IStartupFilter, RemoteAddressFromHeader>());
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add(RemoteAddressFromHeader.Header, From);
        client.DefaultRequestHeaders.Add("X-Api-Key", FalcoHookFactory.WriteKey);

        var expected = new List<(string Method, string Path, int Status)>();
        async Task<HttpResponseMessage> Send(HttpMethod method, string path, object? body = null)
        {
            var response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) });
            expected.Add((method.Method, path, (int)response.StatusCode));
            return response;
        }

        Assert.Equal(HttpStatusCode.Created, (await Send(HttpMethod.Post, "/api/v1/lists", new { name = "audited_list", items = new[] { "a" } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, "/api/v1/rules/K8s%20Pod%20Exec%20or%20Attach/disable")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Send(HttpMethod.Post, "/api/v1/macros", new { name = "broken_macro", condition = "ka.verb =" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, "/api/v1/lists/audited_list")).StatusCode);
        var export = await client.GetStringAsync("/api/v1/rules/export?scope=managed");
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, "/api/v1/rules/import", new { yaml = export })).StatusCode);
        var silence = await Send(HttpMethod.Post, "/api/v1/silences", new
        {
            matchers = new[] { new { name = "k8s.ns.name", op = "=", value = "audited" } },
            endsAt = DateTimeOffset.UtcNow.AddHours(1), createdBy = "alice", comment = "maintenance",
        });
        Assert.Equal(HttpStatusCode.Created, silence.StatusCode);
        var id = (string)(await silence.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await Send(HttpMethod.Post, $"/api/v1/silences/{id}/expire");
        await Send(HttpMethod.Post, "/api/v1/deliveries/msg_unknown/retry");
        await Send(HttpMethod.Post, "/api/v1/deliveries/retry");
        await Send(HttpMethod.Post, "/api/v1/inbox/dead/424242/retry");
        // Reads, validate and test are not management actions.
        await client.GetAsync("/api/v1/silences");
        await client.PostAsJsonAsync("/api/v1/rules/validate", new { yaml = "[]" });

        var records = logs.InCategory(SecurityEventLog.Category).Where(r => r.EventId.Name == "ManagementAction").ToList();
        Assert.Equal(expected.Select(e => $"{e.Method} {Uri.UnescapeDataString(e.Path)} {e.Status}"),
            records.Select(r => $"{r.Properties["Method"]} {r.Properties["Path"]} {r.Properties["Status"]}"));
        Assert.All(records, r =>
        {
            Assert.Equal(LogLevel.Information, r.Level);
            Assert.Equal(SecurityEventLog.ManagementActionEventId, r.EventId.Id);
            Assert.Equal("ops", r.Properties["Actor"]);
            Assert.Equal(From, r.Properties["ClientAddress"]);
        });
        Assert.Equal("/api/v1/silences/{id}/expire", records.Single(r => ((string)r.Properties["Path"]!).EndsWith("/expire", StringComparison.Ordinal)).Properties["Route"]);
        Assert.Contains(expected, e => e.Status == 404); // the unknown delivery and dead alert: attempts are recorded too
    }

    [Fact]
    public async Task A_refused_key_reaches_no_handler_and_an_anonymous_write_is_recorded_as_anonymous()
    {
        var logs = new LogCapture();
        using var factory = new FalcoHookFactory().With("FalcoHook:Auth:AllowAnonymousWrites", "true")
            .WithServices(s => s.AddSingleton<ILoggerProvider>(logs));
        var client = factory.CreateClient();

        var created = await client.PostAsJsonAsync("/api/v1/lists", new { name = "anonymous_list", items = new[] { "a" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/lists/anonymous_list");
        wrong.Headers.Add("X-Api-Key", "not-a-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(wrong)).StatusCode);

        var record = Assert.Single(logs.InCategory(SecurityEventLog.Category), r => r.EventId.Name == "ManagementAction");
        Assert.Equal("anonymous", record.Properties["Actor"]);
        Assert.Equal("local", record.Properties["ClientAddress"]);
        Assert.Equal(201, record.Properties["Status"]);
    }
}
