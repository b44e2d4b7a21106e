using System.Net;
using System.Net.Http.Headers;
using FalcoHook.Api.Auth;
using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Silences;

/// <summary>Silences live in the SQLite file with the inbox and the outbox: a restart keeps them, and they keep silencing.</summary>
public sealed class DurableSilenceTests
{

    private static readonly string Alerts = """
        [{"rule":"Kube-system shell","priority":"Critical","time":"2026-11-27T10:00:00Z","output":"shell","output_fields":{"k8s.ns.name":"kube-system"}},
         {"rule":"Shop shell","priority":"Critical","time":"2026-11-27T10:00:00Z","output":"shell","output_fields":{"k8s.ns.name":"shop"}}]
        """;

    [Fact]
    public async Task A_silence_created_before_a_restart_is_listed_and_still_silences_after_it()
    {
        using var dir = new TempDirectory();
        await using var receiver = await FakeReceiver.StartAsync();
        FalcoHookFactory Start() => new FalcoHookFactory()
            .With("FalcoHook:Storage:ConnectionString", $"Data Source={dir.File("falcohook.db")}")
            .With("FalcoHook:Destinations:siem:Type", "webhook")
            .With("FalcoHook:Destinations:siem:Url", receiver.Url("/siem"))
            .WithApiKeys();

        var endsAt = DateTimeOffset.UtcNow.AddHours(2);
        SilenceDto created;
        using (var before = Start())
        {
            Assert.IsType<SqliteSilenceStore>(before.Services.GetRequiredService<ISilenceStore>());
            var writer = before.Client(FalcoHookFactory.WriteKey);
            var response = await writer.PostAsJsonAsync("/api/v1/silences", new
            {
                matchers = new[] { new { name = "k8s.ns.name", op = "=", value = "kube-system" } },
                endsAt,
                createdBy = "alice",
                comment = "node maintenance",
            });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            created = (await response.Content.ReadFromJsonAsync<SilenceDto>())!;
        }
        dir.ClosePooledConnections();

        using var after = Start();
        var client = after.Client(FalcoHookFactory.WriteKey); // with keys configured, reads need one
        var listed = Assert.Single((await client.GetFromJsonAsync<List<SilenceDto>>("/api/v1/silences"))!);
        Assert.Equal(created.Id, listed.Id);
        Assert.Equal("active", listed.State);
        Assert.Equal(("alice", "node maintenance"), (listed.CreatedBy, listed.Comment));
        Assert.Equal(new MatcherDto("k8s.ns.name", "=", "kube-system"), Assert.Single(listed.Matchers));
        Assert.Equal(endsAt.ToUnixTimeMilliseconds(), listed.EndsAt.ToUnixTimeMilliseconds());

        var posted = await client.PostAsync("/", new StringContent(Alerts, MediaTypeHeaderValue.Parse("application/json")));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        await Eventually.TrueAsync(() => after.Recorder.Total == 2, "both alerts through the pipeline");
        var deliveries = await after.Services.GetRequiredService<DeliveryService>().ListAsync(new DeliveryQuery(), CancellationToken.None);

        var delivery = Assert.Single(deliveries.Items);
        Assert.Contains("\"rule\":\"Shop shell\"", delivery.NotificationJson);
        Assert.Equal("Shop shell", (await receiver.WaitForRequestsAsync(1)).Single().Json.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task An_expired_silence_stays_expired_after_a_restart()
    {
        using var dir = new TempDirectory();
        var db = new SqliteDatabase(Microsoft.Extensions.Options.Options.Create(new Core.Storage.StorageOptions { ConnectionString = $"Data Source={dir.File("falcohook.db")}" }));
        var now = DateTimeOffset.UtcNow;
        var store = new SqliteSilenceStore(db, TimeProvider.System);
        await store.AddAsync(new Silence
        {
            Id = "s1", Matchers = [SilenceMatcher.Create("falco.rule", MatchOperator.Regex, "Shell.*")], StartsAt = now, EndsAt = now.AddHours(1),
            CreatedBy = "bob", UpdatedAt = now,
        }, CancellationToken.None);
        var expired = await store.ExpireAsync("s1", now.AddMinutes(5), CancellationToken.None);

        var reopened = Assert.Single(await new SqliteSilenceStore(db, TimeProvider.System).ListAsync(CancellationToken.None));

        Assert.Equal((expired!.Id, expired.StartsAt, expired.EndsAt, expired.UpdatedAt, "bob"),
            (reopened.Id, reopened.StartsAt, reopened.EndsAt, reopened.UpdatedAt, reopened.CreatedBy));
        Assert.Equal(SilenceState.Expired, reopened.StateAt(now.AddMinutes(6)));
        Assert.Equal(MatchOperator.Regex, Assert.Single(reopened.Matchers).Operator);
        Assert.Null(await store.ExpireAsync("nope", now, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.AddAsync(reopened, CancellationToken.None));
    }
}
