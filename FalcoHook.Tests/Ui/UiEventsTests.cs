using System.Text.RegularExpressions;
using FalcoHook.Core.Events;
using FalcoHook.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FalcoHook.Tests.Ui;

/// <summary>The dashboard, the events table and an event's detail, on alerts posted to Falco's endpoint over HTTP.</summary>
[Collection(UiCollection.Name)]
public sealed class UiEventsTests(UiFixture fixture)
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    [SkippableFact]
    public async Task Alerts_posted_over_http_appear_with_the_right_counts_on_the_dashboard()
    {
        UiFixture.RequireChromium();
        await using var ui = await UiBrowser.OpenAsync(fixture, FalcoHookFactory.ReadKey);
        await ui.GotoAsync("/ui");
        var before = long.Parse(await ui.Page.GetByTestId("total").InnerTextAsync());

        var host = $"count-{_run}";
        string main = $"UI count rule {_run}", other = $"UI other rule {_run}";
        using var api = fixture.ApiClient(key: null);
        await UiAlerts.PostAsync(api,
            UiAlerts.Json(main, "Critical", $"first {_run}", host), UiAlerts.Json(main, "Critical", $"second {_run}", host),
            UiAlerts.Json(main, "Critical", $"third {_run}", host), UiAlerts.Json(main, "Warning", $"fourth {_run}", host),
            UiAlerts.Json(main, "Warning", $"fifth {_run}", host), UiAlerts.Json(other, "Notice", $"sixth {_run}", host));
        await fixture.EventsAsync(new EventQuery { Hostname = host }, 6);

        await ui.GotoAsync("/ui");
        await Expect(ui.Page.GetByTestId("total")).ToHaveTextAsync((before + 6).ToString());
        await Expect(CountOf(ui.Page, "by-hostname", host)).ToHaveTextAsync("6");
        await Expect(CountOf(ui.Page, "by-rule", main)).ToHaveTextAsync("5");
        await Expect(CountOf(ui.Page, "by-rule", other)).ToHaveTextAsync("1");
        await ui.ScreenshotAsync("dashboard");

        // A count links to its events.
        await ui.Page.GetByTestId("by-hostname").GetByRole(AriaRole.Link, new() { Name = host }).ClickAsync();
        await Expect(ui.Page.Locator("tr[data-event]")).ToHaveCountAsync(6);
        ui.AssertNoConsoleErrors();
    }

    [SkippableFact]
    public async Task Namespaces_on_the_dashboard_and_in_an_event_link_to_its_events_from_either_field()
    {
        UiFixture.RequireChromium();
        var ns = $"ns-{_run}";
        var host = $"namespace-{_run}";
        using var api = fixture.ApiClient(key: null);
        await UiAlerts.PostAsync(api,
            UiAlerts.Json("UI namespace rule", "Warning", $"pod shell {_run}", host, fields: new Dictionary<string, object?> { ["k8s.ns.name"] = ns }),
            UiAlerts.Json("UI namespace rule", "Warning", $"pod shell again {_run}", host, fields: new Dictionary<string, object?> { ["k8s.ns.name"] = ns }),
            UiAlerts.Json("UI namespace audit rule", "Notice", $"secret read {_run}", host, "k8s_audit", ["k8s"],
                new Dictionary<string, object?> { ["ka.target.namespace"] = ns, ["ka.user.name"] = "alice" }),
            UiAlerts.Json("UI namespace rule", "Warning", $"elsewhere {_run}", host, fields: new Dictionary<string, object?> { ["k8s.ns.name"] = $"other-{_run}" }));
        var events = await fixture.EventsAsync(new EventQuery { Hostname = host }, 4);
        var audit = events.Single(e => e.Source == "k8s_audit");

        await using var ui = await UiBrowser.OpenAsync(fixture, FalcoHookFactory.ReadKey);
        await ui.GotoAsync("/ui");
        await Expect(CountOf(ui.Page, "by-namespace", ns)).ToHaveTextAsync("3");
        await ui.Page.GetByTestId("by-namespace").GetByRole(AriaRole.Link, new() { Name = ns, Exact = true }).ClickAsync();
        await Expect(ui.Page).ToHaveURLAsync(new Regex($"namespace={ns}"));
        await Expect(ui.Page.GetByLabel("Namespace")).ToHaveValueAsync(ns);
        await Expect(ui.Page.Locator("tr[data-event]")).ToHaveCountAsync(3);
        await Expect(ui.Page.Locator("tr[data-event]", new() { HasText = $"elsewhere {_run}" })).ToHaveCountAsync(0);

        await ui.GotoAsync($"/ui/events/{audit.Id}");
        var link = ui.Page.GetByTestId("fields").Locator("tr", new() { HasText = "ka.target.namespace" }).GetByRole(AriaRole.Link, new() { Name = ns });
        await link.ClickAsync();
        await Expect(ui.Page.Locator("tr[data-event]")).ToHaveCountAsync(3);

        await ui.GotoAsync($"/ui/events/{events.First(e => e.Source == "syscall" && e.Output.Contains("again")).Id}");
        await ui.Page.GetByTestId("fields").Locator("tr", new() { HasText = "k8s.ns.name" }).GetByRole(AriaRole.Link, new() { Name = ns }).ClickAsync();
        await Expect(ui.Page.Locator("tr[data-event]")).ToHaveCountAsync(3);
        ui.AssertNoConsoleErrors();
    }

    [SkippableFact]
    public async Task Filtering_by_priority_and_searching_text_narrow_the_table()
    {
        UiFixture.RequireChromium();
        var host = $"filter-{_run}";
        using var api = fixture.ApiClient(key: null);
        await UiAlerts.PostAsync(api,
            UiAlerts.Json("UI filter rule", "Critical", $"a shell with needle{_run} in it", host),
            UiAlerts.Json("UI filter rule", "Critical", $"a plain critical one {_run}", host),
            UiAlerts.Json("UI filter rule", "Notice", $"a notice with needle{_run} too", host),
            UiAlerts.Json("UI filter rule", "Debug", $"a debug line {_run}", host));
        await fixture.EventsAsync(new EventQuery { Hostname = host }, 4);

        await using var ui = await UiBrowser.OpenAsync(fixture, FalcoHookFactory.ReadKey);
        await ui.GotoAsync("/ui/events");
        var form = ui.Page.GetByRole(AriaRole.Search, new() { Name = "Filter events" });
        await form.GetByLabel("Hostname").FillAsync(host);
        await form.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(ui.Page.Locator("tr[data-event]")).ToHaveCountAsync(4);

        await form.GetByLabel("Minimum priority").SelectOptionAsync("critical");
        await form.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(ui.Page.Locator("tr[data-event]")).ToHaveCountAsync(2);

        await form.GetByLabel("Search").FillAsync($"needle{_run}");
        await form.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(ui.Page.Locator("tr[data-event]")).ToHaveCountAsync(1);
        await Expect(ui.Page.Locator("tr[data-event]")).ToContainTextAsync($"a shell with needle{_run} in it");
        await ui.ScreenshotAsync("events-filtered");

        await form.GetByLabel("Minimum priority").SelectOptionAsync("");
        await form.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(ui.Page.Locator("tr[data-event]")).ToHaveCountAsync(2);
        ui.AssertNoConsoleErrors();
    }

    [SkippableFact]
    public async Task An_events_detail_shows_its_decisions_and_its_deliveries()
    {
        UiFixture.RequireChromium();
        var host = $"detail-{_run}";
        using var api = fixture.ApiClient(key: null);
        await UiAlerts.PostAsync(api, UiAlerts.Json("UI detail rule", "Error", $"detail {_run}", host, tags: ["T1059", "shell"],
            fields: new Dictionary<string, object?> { ["k8s.ns.name"] = "payments", ["proc.name"] = "bash" }));
        var recorded = (await fixture.EventsAsync(new EventQuery { Hostname = host }, 1))[0];
        await fixture.DeliveriesAsync(Core.Delivery.DeliveryState.Delivered,
            items => items.Any(d => d.NotificationJson.Contains($"detail {_run}", StringComparison.Ordinal)), "the alert delivered to siem");

        await using var ui = await UiBrowser.OpenAsync(fixture, FalcoHookFactory.ReadKey);
        await ui.GotoAsync("/ui/events?hostname=" + host);
        await ui.Page.GetByRole(AriaRole.Link, new() { Name = "UI detail rule" }).ClickAsync();
        await Expect(ui.Page).ToHaveURLAsync(new Regex($"/ui/events/{recorded.Id}$"));
        await Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Name = "UI detail rule" })).ToBeVisibleAsync();
        await Expect(ui.Page.GetByTestId("decisions")).ToContainTextAsync("routed");
        await Expect(ui.Page.GetByTestId("decisions")).ToContainTextAsync("siem");
        var delivery = ui.Page.GetByTestId("deliveries").Locator("tbody tr");
        await Expect(delivery).ToHaveCountAsync(1);
        await Expect(delivery).ToContainTextAsync("siem");
        await Expect(delivery).ToContainTextAsync("delivered");
        await Expect(ui.Page.GetByTestId("enrichment")).ToContainTextAsync("T1059");
        await Expect(ui.Page.GetByTestId("fields")).ToContainTextAsync("payments");
        await Expect(ui.Page.GetByTestId("falco-json")).ToContainTextAsync($"\"output\": \"detail {_run}\"");
        // A read key is offered no silence.
        Assert.Equal(0, await ui.Page.Locator("[data-write]").CountAsync());
        await ui.ScreenshotAsync("event-detail");
        ui.AssertNoConsoleErrors();
    }

    [SkippableFact]
    public async Task The_events_table_updates_live_and_a_paused_table_waits()
    {
        UiFixture.RequireChromium();
        var host = $"live-{_run}";
        await using var ui = await UiBrowser.OpenAsync(fixture, FalcoHookFactory.ReadKey);
        await ui.GotoAsync("/ui/events?hostname=" + host);
        await Expect(ui.Page.Locator("tr[data-event]")).ToHaveCountAsync(0);
        var status = ui.Page.Locator("[data-live-status]");
        await Expect(status).ToHaveTextAsync("Live");

        using var api = fixture.ApiClient(key: null);
        await UiAlerts.PostAsync(api, UiAlerts.Json("UI live rule", "Warning", $"live one {_run}", host));
        await Expect(ui.Page.Locator("tr[data-event]")).ToHaveCountAsync(1);

        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await UiAlerts.PostAsync(api, UiAlerts.Json("UI live rule", "Warning", $"live two {_run}", host));
        await fixture.EventsAsync(new EventQuery { Hostname = host }, 2);
        await Expect(status).ToHaveTextAsync(new Regex(@"^Paused: \d+ new event"));
        await Expect(ui.Page.Locator("tr[data-event]")).ToHaveCountAsync(1);

        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(ui.Page.Locator("tr[data-event]")).ToHaveCountAsync(2);
        await ui.ScreenshotAsync("events-live");
        ui.AssertNoConsoleErrors();
    }

    private static ILocator CountOf(IPage page, string dimension, string key) =>
        page.GetByTestId(dimension).Locator($"tr[data-key=\"{key}\"] [data-count]");
}
