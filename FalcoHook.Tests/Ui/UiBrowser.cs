using Microsoft.Playwright;

namespace FalcoHook.Tests.Ui;

/// <summary>
/// One browser context (its own cookies) on the fixture's Chromium: signs in through the sign-in form, records every
/// console error and uncaught page error (<see cref="AssertNoConsoleErrorsAsync"/>), and saves screenshots to
/// <c>TestResults/ui-screenshots/</c> at the repository root (CI's test results folder).
/// </summary>
public sealed class UiBrowser : IAsyncDisposable
{
    private readonly List<string> _errors = [];
    private readonly UiFixture _fixture;

    private UiBrowser(UiFixture fixture, IBrowserContext context, IPage page)
    {
        _fixture = fixture;
        Context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (_errors) _errors.Add($"console: {message.Text} ({message.Location})");
        };
        page.PageError += (_, error) => { lock (_errors) _errors.Add("page error: " + error); };
        page.SetDefaultTimeout(15_000);
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public static readonly string ScreenshotFolder = Path.Combine(RepositoryRoot(), "TestResults", "ui-screenshots");

    /// <summary>A new context signed in with <paramref name="key"/> (none: anonymous), at a phone's width when asked.</summary>
    public static async Task<UiBrowser> OpenAsync(UiFixture fixture, string? key, bool phone = false)
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.BaseUrl.ToString(),
            ViewportSize = phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 900 },
        });
        var browser = new UiBrowser(fixture, context, await context.NewPageAsync());
        if (key is not null) await browser.SignInAsync(key);
        return browser;
    }

    public async Task SignInAsync(string key)
    {
        await Page.GotoAsync("/ui/signin");
        await Page.GetByLabel("API key").FillAsync(key);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(Page.GetByTestId("user")).ToBeVisibleAsync();
    }

    public UiFixture Fixture => _fixture;

    public async Task GotoAsync(string path)
    {
        var response = await Page.GotoAsync(path);
        Assert.True(response is { Ok: true }, $"GET {path}: {response?.Status}");
    }

    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });
    }

    public void AssertNoConsoleErrors()
    {
        lock (_errors) Assert.True(_errors.Count == 0, "Browser errors:\n" + string.Join('\n', _errors));
    }

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FalcoHook.sln"))) return dir.FullName;
        return AppContext.BaseDirectory;
    }
}
