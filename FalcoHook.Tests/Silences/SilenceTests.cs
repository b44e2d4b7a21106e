using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Silences;
using FalcoHook.Tests.Pipeline;

namespace FalcoHook.Tests.Silences;

public sealed class SilenceTests : IDisposable
{
    private readonly PipelineTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    private static readonly FalcoAlert KubeSystemShell = PipelineTestKit.Alert(priority: Priority.Notice,
        fields: new Dictionary<string, object> { ["k8s.ns.name"] = "kube-system", ["proc.name"] = "sh" });

    [Theory]
    [InlineData("falco.rule", MatchOperator.Equal, "Terminal shell in container", true)]
    [InlineData("falco.rule", MatchOperator.Equal, "Terminal shell", false)]
    [InlineData("falco.priority", MatchOperator.NotEqual, "Critical", true)]
    [InlineData("k8s.ns.name", MatchOperator.Regex, "kube-.*", true)]
    [InlineData("k8s.ns.name", MatchOperator.Regex, "kube", false)] // the regex must match the whole value
    [InlineData("k8s.ns.name", MatchOperator.NotRegex, "kube-.*", false)]
    [InlineData("falco.hostname", MatchOperator.Regex, "node-[0-9]+", true)]
    [InlineData("container.id", MatchOperator.Equal, "", true)] // a missing field is ""
    [InlineData("container.id", MatchOperator.NotEqual, "abc", true)]
    [InlineData("falco.tags", MatchOperator.Regex, "(.*,)?shell(,.*)?", true)]
    public void Matchers_follow_Alertmanager(string name, MatchOperator op, string value, bool matches) =>
        Assert.Equal(matches, SilenceMatcher.Create(name, op, value).Matches(KubeSystemShell));

    [Fact]
    public void Bad_regex_is_refused_with_a_reason()
    {
        Assert.False(SilenceMatcher.TryCreate("x", MatchOperator.Regex, "(", out _, out var error));
        Assert.StartsWith("Not a valid regular expression", error);
        Assert.False(SilenceMatcher.TryCreate("x", MatchOperator.Regex, @"(a)\1", out _, out _)); // backreferences need backtracking
    }

    private Silence NewSilence(DateTimeOffset startsAt, DateTimeOffset endsAt, params SilenceMatcher[] matchers) => new()
    {
        Id = Guid.NewGuid().ToString(), Matchers = matchers, StartsAt = startsAt, EndsAt = endsAt, CreatedBy = "ops",
    };

    [Fact]
    public void Silence_is_active_from_its_start_up_to_but_not_at_its_end()
    {
        var start = PipelineTestKit.Start;
        var silence = NewSilence(start, start.AddHours(1), SilenceMatcher.Create("falco.rule", MatchOperator.Equal, "x"));

        Assert.Equal(SilenceState.Pending, silence.StateAt(start.AddTicks(-1)));
        Assert.Equal(SilenceState.Active, silence.StateAt(start));
        Assert.Equal(SilenceState.Active, silence.StateAt(start.AddHours(1).AddTicks(-1)));
        Assert.Equal(SilenceState.Expired, silence.StateAt(start.AddHours(1)));
    }

    [Fact]
    public async Task Alert_is_silenced_only_when_all_matchers_of_an_active_silence_match()
    {
        var store = new InMemorySilenceStore(_kit.Time);
        var now = _kit.Time.GetUtcNow();
        await store.AddAsync(NewSilence(now, now.AddMinutes(10),
            SilenceMatcher.Create("falco.rule", MatchOperator.Equal, "Terminal shell in container"),
            SilenceMatcher.Create("k8s.ns.name", MatchOperator.Regex, "kube-.*")), CancellationToken.None);
        await store.AddAsync(NewSilence(now.AddMinutes(5), now.AddMinutes(10),
            SilenceMatcher.Create("falco.rule", MatchOperator.Regex, ".*")), CancellationToken.None);
        var stage = new SilenceStage(store, _kit.Time, _kit.Telemetry);
        var shop = PipelineTestKit.Alert(fields: new Dictionary<string, object> { ["k8s.ns.name"] = "shop" });

        var output = await stage.ProcessAsync([PipelineTestKit.Wrap(KubeSystemShell), PipelineTestKit.Wrap(shop)], CancellationToken.None);

        Assert.Same(shop, Assert.Single(output).Alert);
        Assert.Equal(1, _kit.Metrics.Total("falcohook.pipeline.silenced"));

        _kit.Time.Advance(TimeSpan.FromMinutes(5)); // the catch-all silence becomes active
        Assert.Empty(await stage.ProcessAsync([PipelineTestKit.Wrap(shop)], CancellationToken.None));

        _kit.Time.Advance(TimeSpan.FromMinutes(5)); // both end exactly now
        Assert.Equal(2, (await stage.ProcessAsync([PipelineTestKit.Wrap(KubeSystemShell), PipelineTestKit.Wrap(shop)], CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Store_adds_gets_lists_and_expires()
    {
        var store = new InMemorySilenceStore(_kit.Time);
        var now = _kit.Time.GetUtcNow();
        var active = NewSilence(now, now.AddHours(1), SilenceMatcher.Create("a", MatchOperator.Equal, "1"));
        var pending = NewSilence(now.AddHours(1), now.AddHours(2), SilenceMatcher.Create("a", MatchOperator.Equal, "2"));
        await store.AddAsync(active, CancellationToken.None);
        await store.AddAsync(pending, CancellationToken.None);

        Assert.Same(active, await store.GetAsync(active.Id, CancellationToken.None));
        Assert.Equal([active.Id, pending.Id], (await store.ListAsync(CancellationToken.None)).Select(s => s.Id));

        var expired = await store.ExpireAsync(active.Id, now.AddMinutes(1), CancellationToken.None);
        Assert.Equal(now.AddMinutes(1), expired!.EndsAt);
        Assert.Equal(SilenceState.Expired, (await store.GetAsync(active.Id, CancellationToken.None))!.StateAt(now.AddMinutes(1)));

        var expiredPending = await store.ExpireAsync(pending.Id, now.AddMinutes(1), CancellationToken.None);
        Assert.Equal(SilenceState.Expired, expiredPending!.StateAt(now.AddMinutes(1)));
        Assert.Equal(expiredPending, await store.ExpireAsync(pending.Id, now.AddMinutes(2), CancellationToken.None)); // idempotent
        Assert.Null(await store.ExpireAsync("missing", now, CancellationToken.None));

        _kit.Time.Advance(InMemorySilenceStore.Retention + TimeSpan.FromMinutes(2));
        Assert.Empty(await store.ListAsync(CancellationToken.None));
    }
}
