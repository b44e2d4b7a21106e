using System.Text.RegularExpressions;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Events;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Rules.Management;
using FalcoHook.Core.Silences;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FalcoHook.Tests.Ui;

/// <summary>The write actions, driven through the UI with a write key: silences, retries and rules.</summary>
[Collection(UiCollection.Name)]
public sealed class UiOperationsTests(UiFixture fixture)
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    [SkippableFact]
    public async Task Silence_similar_creates_a_silence_and_the_next_matching_alert_is_shown_as_silenced()
    {
        UiFixture.RequireChromium();
        var host = $"silence-{_run}";
        var rule = $"UI silence rule {_run}";
        using var api = fixture.ApiClient(key: null);
        await UiAlerts.PostAsync(api, UiAlerts.Json(rule, "Warning", $"before the silence {_run}", host));
        var first = (await fixture.EventsAsync(new EventQuery { Hostname = host }, 1))[0];
        Assert.Equal(Core.Pipeline.DecisionKind.Routed, first.Outcome);

        await using var ui = await UiBrowser.OpenAsync(fixture, FalcoHookFactory.WriteKey);
        await ui.GotoAsync($"/ui/events/{first.Id}");
        await ui.Page.GetByRole(AriaRole.Link, new() { Name = "Silence similar…" }).ClickAsync();
        await Expect(ui.Page.GetByLabel("Field 1", new() { Exact = true })).ToHaveValueAsync("falco.rule");
        await Expect(ui.Page.GetByLabel("Value 1", new() { Exact = true })).ToHaveValueAsync(rule);
        await Expect(ui.Page.GetByLabel("Field 2", new() { Exact = true })).ToHaveValueAsync("falco.hostname");
        await Expect(ui.Page.GetByLabel("Value 2", new() { Exact = true })).ToHaveValueAsync(host);
        await ui.Page.GetByLabel("Duration").SelectOptionAsync("1h");
        await ui.ScreenshotAsync("silence-new");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Create silence" }).ClickAsync();
        await Expect(ui.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("created");
        var row = ui.Page.Locator("tr[data-silence]", new() { HasText = rule });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("ops");
        await ui.ScreenshotAsync("silences");

        var silence = Assert.Single(await fixture.Factory.Services.GetRequiredService<ISilenceStore>().ListAsync(CancellationToken.None),
            s => s.Matchers.Any(m => m.Value == rule));
        Assert.Equal(TimeSpan.FromHours(1), silence.EndsAt - silence.StartsAt);

        await UiAlerts.PostAsync(api, UiAlerts.Json(rule, "Warning", $"after the silence {_run}", host));
        var events = await fixture.EventsAsync(new EventQuery { Hostname = host }, 2);
        await ui.GotoAsync("/ui/events?hostname=" + host);
        var newest = ui.Page.Locator("tr[data-event]").First;
        await Expect(newest).ToContainTextAsync($"after the silence {_run}");
        await Expect(newest.Locator("[data-decision]")).ToHaveTextAsync("silenced");
        await Expect(ui.Page.Locator("tr[data-event]").Nth(1).Locator("[data-decision]")).ToHaveTextAsync("routed");

        await ui.GotoAsync($"/ui/events/{events[0].Id}");
        await Expect(ui.Page.GetByTestId("decisions")).ToContainTextAsync($"silenced by silence {silence.Id}");
        await ui.ScreenshotAsync("event-silenced");

        // Expire it from the list: it moves to the expired tab.
        await ui.GotoAsync("/ui/silences");
        await ui.Page.Locator("tr[data-silence]", new() { HasText = rule }).GetByRole(AriaRole.Button, new() { Name = "Expire" }).ClickAsync();
        await Expect(ui.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("expired");
        await Expect(ui.Page.Locator("tr[data-silence]", new() { HasText = rule })).ToHaveCountAsync(0);
        await ui.GotoAsync("/ui/silences?state=expired");
        await Expect(ui.Page.Locator("tr[data-silence]", new() { HasText = rule })).ToHaveCountAsync(1);
        ui.AssertNoConsoleErrors();
    }

    [SkippableFact]
    public async Task A_dead_delivery_is_retried_from_the_ui_and_delivered()
    {
        UiFixture.RequireChromium();
        var output = $"{UiFixture.RefusedMarker} {_run}";
        fixture.Refusing = true;
        using var api = fixture.ApiClient(key: null);
        await UiAlerts.PostAsync(api, UiAlerts.Json("UI dead rule", "Critical", output, $"dead-{_run}"));
        var dead = (await fixture.DeliveriesAsync(DeliveryState.Dead, items => items.Any(d => d.NotificationJson.Contains(output, StringComparison.Ordinal)),
            "the refused delivery dead")).Single(d => d.NotificationJson.Contains(output, StringComparison.Ordinal));

        await using var ui = await UiBrowser.OpenAsync(fixture, FalcoHookFactory.WriteKey, phone: true);
        await ui.GotoAsync("/ui/deliveries");
        var row = ui.Page.Locator($"tr[data-delivery=\"{dead.Id}\"]");
        await Expect(row).ToContainTextAsync("HTTP 410");
        await ui.ScreenshotAsync("deliveries-dead-phone");

        fixture.Refusing = false;
        await row.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();
        await Expect(ui.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("queued again");
        await fixture.DeliveriesAsync(DeliveryState.Delivered, items => items.Any(d => d.Id == dead.Id), "the retried delivery delivered");
        await ui.GotoAsync("/ui/deliveries?state=delivered");
        await Expect(ui.Page.Locator($"tr[data-delivery=\"{dead.Id}\"]")).ToContainTextAsync("delivered");
        await ui.GotoAsync("/ui/deliveries");
        await Expect(ui.Page.Locator($"tr[data-delivery=\"{dead.Id}\"]")).ToHaveCountAsync(0);
        ui.AssertNoConsoleErrors();
    }

    [SkippableFact]
    public async Task A_dead_inbox_alert_is_retried_from_the_ui_with_a_write_key_and_a_read_key_sees_no_retry()
    {
        UiFixture.RequireChromium();
        var rule = $"UI {UiFixture.PoisonMarker} {_run}";
        var host = $"inbox-{_run}";
        fixture.Poisoning = true;
        using var api = fixture.ApiClient(key: null);
        // The drain sets an alert aside once the alert after it goes through (the pipeline works, this alert does not).
        await UiAlerts.PostAsync(api, UiAlerts.Json(rule, "Error", $"poisonous {_run}", host), UiAlerts.Json("UI after the poison", "Notice", $"fine {_run}", $"fine-{_run}"));
        var inbox = fixture.Factory.Services.GetRequiredService<DeadInboxService>();
        var dead = (await Eventually.MatchesAsync(() => inbox.ListAsync(500, CancellationToken.None),
            items => items.Any(e => e.Json.Contains(rule, StringComparison.Ordinal)), "the poisonous alert in the dead inbox",
            describe: items => $"{items.Count} dead")).Single(e => e.Json.Contains(rule, StringComparison.Ordinal));

        await using (var reader = await UiBrowser.OpenAsync(fixture, FalcoHookFactory.ReadKey))
        {
            await reader.GotoAsync("/ui/inbox");
            var seen = reader.Page.Locator($"tr[data-dead=\"{dead.Id}\"]");
            await Expect(seen).ToContainTextAsync("cannot take a poisonous alert");
            await Expect(seen.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
            await Expect(reader.Page.Locator("form[data-write]")).ToHaveCountAsync(0);
            await reader.ScreenshotAsync("dead-inbox-read-key");
            reader.AssertNoConsoleErrors();
        }

        await using var ui = await UiBrowser.OpenAsync(fixture, FalcoHookFactory.WriteKey);
        await ui.GotoAsync("/ui/inbox");
        var row = ui.Page.Locator($"tr[data-dead=\"{dead.Id}\"]");
        await Expect(row).ToContainTextAsync("cannot take a poisonous alert");
        await ui.ScreenshotAsync("dead-inbox-write-key");
        var unhandled = await fixture.Factory.Services.GetRequiredService<EventService>().QueryAsync(new EventQuery { Hostname = host }, null, 10, CancellationToken.None);
        Assert.Empty(unhandled.Items);

        fixture.Poisoning = false;
        await row.GetByRole(AriaRole.Button, new() { Name = $"Retry dead alert {dead.Id}" }).ClickAsync();
        await Expect(ui.Page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Alert {dead.Id} is handed to the pipeline again");
        await Expect(ui.Page.Locator($"tr[data-dead=\"{dead.Id}\"]")).ToHaveCountAsync(0);
        var handled = Assert.Single(await fixture.EventsAsync(new EventQuery { Hostname = host }, 1));
        Assert.Equal(rule, handled.Rule);
        await ui.GotoAsync($"/ui/events?hostname={host}");
        await Expect(ui.Page.Locator("tr[data-event]")).ToContainTextAsync($"poisonous {_run}");
        ui.AssertNoConsoleErrors();
    }

    [SkippableFact]
    public async Task Rules_are_listed_disabled_enabled_and_dry_run_against_an_event()
    {
        UiFixture.RequireChromium();
        const string rule = "K8s Pod Exec or Attach";
        await using var ui = await UiBrowser.OpenAsync(fixture, FalcoHookFactory.WriteKey);
        await ui.GotoAsync("/ui/rules?q=exec");
        var row = ui.Page.Locator("tr[data-rule]", new() { HasText = rule });
        await Expect(row).ToContainTextAsync("k8s_audit");

        await row.GetByRole(AriaRole.Button, new() { Name = $"Disable rule {rule}" }).ClickAsync();
        await Expect(ui.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("disabled");
        var service = fixture.Factory.Services.GetRequiredService<RuleManagementService>();
        Assert.False(service.View.Rule(rule)!.Definition.Enabled);
        await ui.Page.Locator("tr[data-rule]", new() { HasText = rule }).GetByRole(AriaRole.Button, new() { Name = $"Enable rule {rule}" }).ClickAsync();
        await Expect(ui.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("enabled");
        Assert.True(service.View.Rule(rule)!.Definition.Enabled);

        await ui.Page.GetByLabel("Event (JSON)").FillAsync(PodExec);
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Run" }).ClickAsync();
        await Expect(ui.Page.GetByTestId("dryrun-result")).ToContainTextAsync("1 rule(s) match");
        await Expect(ui.Page.Locator("section", new() { HasText = "Dry run" })).ToContainTextAsync(rule);
        await ui.ScreenshotAsync("rules");

        await ui.GotoAsync("/ui/inbox");
        await Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Name = "Dead inbox" })).ToBeVisibleAsync();
        await ui.ScreenshotAsync("dead-inbox");
        ui.AssertNoConsoleErrors();
    }

    private const string PodExec = """
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"5f0c1e7a-0000-4000-8000-0000000000ff",
         "stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods/web-5d8f7/exec?command=sh","verb":"create",
         "user":{"username":"alice@example.com","groups":["system:authenticated"]},"sourceIPs":["203.0.113.24"],
         "objectRef":{"resource":"pods","namespace":"shop","name":"web-5d8f7","subresource":"exec","apiVersion":"v1"},
         "responseStatus":{"metadata":{},"code":101},
         "requestReceivedTimestamp":"2024-05-01T10:01:00.100000Z","stageTimestamp":"2024-05-01T10:01:00.250000Z"}
        """;
}
