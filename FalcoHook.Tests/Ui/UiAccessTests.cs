using System.Net;
using System.Text.RegularExpressions;
using FalcoHook.Core.Silences;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FalcoHook.Tests.Ui;

/// <summary>Sign-in, the read role's view and the server's refusal of writes that did not come from a write key's form.</summary>
[Collection(UiCollection.Name)]
public sealed class UiAccessTests(UiFixture fixture)
{
    private static readonly string[] ReadablePages = ["/ui", "/ui/events", "/ui/silences", "/ui/silences/new", "/ui/deliveries", "/ui/inbox", "/ui/rules"];

    [SkippableFact]
    public async Task Without_a_session_pages_send_the_browser_to_sign_in_and_a_wrong_key_is_refused()
    {
        UiFixture.RequireChromium();
        await using var ui = await UiBrowser.OpenAsync(fixture, key: null);

        await ui.Page.GotoAsync("/ui/silences");
        Assert.EndsWith("/ui/signin?returnUrl=%2Fui%2Fsilences", ui.Page.Url);
        await ui.Page.GetByLabel("API key").FillAsync("not-a-key");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(ui.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not valid");
        await ui.ScreenshotAsync("signin");

        await ui.Page.GetByLabel("API key").FillAsync(FalcoHookFactory.ReadKey);
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(ui.Page).ToHaveURLAsync(new Regex("/ui/silences$"));
        await Expect(ui.Page.GetByTestId("user")).ToHaveTextAsync("viewer (read)");
        var cookies = await ui.Context.CookiesAsync();
        var session = Assert.Single(cookies, c => c.Name == "falcohook_ui");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.DoesNotContain(FalcoHookFactory.ReadKey, session.Value);
        ui.AssertNoConsoleErrors();
    }

    [SkippableFact]
    public async Task A_read_key_sees_no_write_action_and_forged_writes_are_refused_by_the_server()
    {
        UiFixture.RequireChromium();
        await using var ui = await UiBrowser.OpenAsync(fixture, FalcoHookFactory.ReadKey, phone: true);
        foreach (var path in ReadablePages)
        {
            await ui.GotoAsync(path);
            await Expect(ui.Page.Locator("h1")).ToBeVisibleAsync();
            Assert.Equal(0, await ui.Page.Locator("[data-write]").CountAsync());
            // Phone-sized: the page itself never scrolls sideways (wide tables scroll inside their own box).
            var width = await ui.Page.EvaluateAsync<int>("document.documentElement.scrollWidth");
            Assert.True(width <= 390, $"{path} is {width}px wide on a 390px screen");
        }
        // By keyboard: the first Tab reaches the skip link, which moves focus to the content.
        await ui.Page.Keyboard.PressAsync("Tab");
        await Expect(ui.Page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();
        await ui.GotoAsync("/ui/silences");
        await ui.ScreenshotAsync("silences-read-key-phone");

        var store = fixture.Factory.Services.GetRequiredService<ISilenceStore>();
        var before = (await store.ListAsync(CancellationToken.None)).Count;
        // The read key's own valid anti-forgery token (from its sign-out form): the role check still refuses.
        var token = await ui.Page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var forged = await ui.Page.APIRequest.PostAsync("/ui/actions/silences", new APIRequestContextOptions
        {
            Form = SilenceForm(ui.Page, token),
            MaxRedirects = 0,
        });
        Assert.Equal((int)HttpStatusCode.Forbidden, forged.Status);
        Assert.Contains("needs 'write'", await forged.TextAsync());

        // A write key's session, but no anti-forgery token (what a cross-site form would send): refused before anything.
        await using var writer = await UiBrowser.OpenAsync(fixture, FalcoHookFactory.WriteKey);
        var noToken = await writer.Page.APIRequest.PostAsync("/ui/actions/silences", new APIRequestContextOptions
        {
            Form = SilenceForm(writer.Page, token: null),
            MaxRedirects = 0,
        });
        Assert.Equal((int)HttpStatusCode.BadRequest, noToken.Status);

        // No session at all (the REST API's clients, a script): 401.
        using var anonymous = new HttpClient { BaseAddress = fixture.BaseUrl };
        using var response = await anonymous.PostAsync("/ui/actions/deliveries/x/retry", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        Assert.Equal(before, (await store.ListAsync(CancellationToken.None)).Count);
        ui.AssertNoConsoleErrors();
        writer.AssertNoConsoleErrors();
    }

    [SkippableFact]
    public async Task A_browser_asking_for_the_root_is_sent_to_the_ui_and_falco_still_posts_there()
    {
        UiFixture.RequireChromium();
        await using var ui = await UiBrowser.OpenAsync(fixture, FalcoHookFactory.WriteKey);
        await ui.Page.GotoAsync("/");
        await Expect(ui.Page).ToHaveURLAsync(new Regex("/ui$"));

        using var api = fixture.ApiClient(key: null);
        using var get = await api.GetAsync("/");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        await UiAlerts.PostAsync(api, UiAlerts.Json("Root still takes alerts", "Notice", "posted to the root"));
    }

    private static IFormData SilenceForm(IPage page, string? token)
    {
        var form = page.APIRequest.CreateFormData()
            .Set("name", "falco.rule").Set("op", "=").Set("value", "Forged silence").Set("duration", "1h");
        return token is null ? form : form.Set("__RequestVerificationToken", token);
    }
}
