using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Management;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static FalcoHook.Tests.RulesApi.RulesApiTestKit;

namespace FalcoHook.Tests.RulesApi;

/// <summary>Changes take effect for the next batch, survive a restart, and never replace the running set with one that does not compile.</summary>
public sealed class RulesEffectTests
{
    private static readonly string Exec = Fixture("pod-exec-or-attach.fires.json");

    [Fact]
    public async Task A_change_is_in_effect_for_the_very_next_audit_batch_and_survives_a_restart()
    {
        using var data = new TempDirectory();
        var connection = $"Data Source={data.File("falcohook.db")}";
        await using (var first = new RulesApiFactory())
        {
            first.With("FalcoHook:Storage:ConnectionString", connection);
            var client = first.Client();
            Assert.Equal(1, await AuditAsync(client, Exec));

            var disabled = await client.PostAsync($"/api/v1/rules/{ExecRule}/disable", null);
            Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
            Assert.Equal(0, await AuditAsync(client, Exec));

            // A trusted user, through the file list's override: enable the rule again, but alice is now trusted.
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/rules/{ExecRule}/enable", null)).StatusCode);
            Assert.Equal(1, await AuditAsync(client, Exec));
            var trusted = await client.PutAsJsonAsync("/api/v1/lists/falcohook_trusted_users",
                new { name = "falcohook_trusted_users", items = new[] { "alice@example.com" } });
            Assert.Equal(HttpStatusCode.OK, trusted.StatusCode);
            Assert.Equal(0, await AuditAsync(client, Exec));

            var created = await client.PostAsJsonAsync("/api/v1/rules", Rule("Exec by anyone", "ka.target.subresource = exec", "CRITICAL"));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal(1, await AuditAsync(client, Exec));
            await Eventually.TrueAsync(() => first.Recorder.Snapshot().Any(a => a.Rule == "Exec by anyone"), "the new rule's alert");
        }

        await using var second = new RulesApiFactory();
        second.With("FalcoHook:Storage:ConnectionString", connection);
        var again = second.Client();
        var list = await Json(await again.GetAsync("/api/v1/lists/falcohook_trusted_users"));
        Assert.Equal(["alice@example.com"], list["items"]!.AsArray().Select(i => (string)i!));
        Assert.Equal("api", (string)(await Json(await again.GetAsync("/api/v1/rules/Exec%20by%20anyone")))["origin"]!["type"]!);
        Assert.Equal(1, await AuditAsync(again, Exec));
        await Eventually.TrueAsync(() => second.Recorder.Snapshot().Any(a => a.Rule == "Exec by anyone"), "the stored rule's alert after restart");
        Assert.DoesNotContain(second.Recorder.Snapshot(), a => a.Rule == ExecRule);
        var history = (await again.GetFromJsonAsync<JsonArray>("/api/v1/rules/history"))!;
        Assert.Equal(["create", "replace", "enable", "disable"], history.Select(h => (string)h!["action"]!));
    }

    [Fact]
    public async Task Changes_that_do_not_compile_are_422_with_positions_and_the_running_set_is_untouched()
    {
        await using var factory = new RulesApiFactory();
        var client = factory.Client();
        Assert.Equal(1, await AuditAsync(client, Exec));
        var before = factory.Services.GetRequiredService<RuleSetHolder>().Current;

        var undefinedMacro = await client.PostAsJsonAsync("/api/v1/rules", Rule("Broken", "no_such_macro and ka.verb = get"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, undefinedMacro.StatusCode);
        Assert.Equal("application/problem+json", undefinedMacro.Content.Headers.ContentType!.MediaType);
        var diagnostic = (await Json(undefinedMacro))["diagnostics"]!.AsArray().First(d => (string)d!["severity"]! == "error")!;
        Assert.Equal(ManagedDocument.FileName, (string)diagnostic["file"]!);
        Assert.True((int)diagnostic["line"]! >= 1 && (int)diagnostic["column"]! >= 1);
        Assert.Contains("no_such_macro", (string)diagnostic["message"]!);

        var badFileOverride = await client.PutAsJsonAsync($"/api/v1/rules/{ExecRule}", new
        {
            name = ExecRule, desc = "d", condition = "ka.verb = = get", output = "o", priority = "ERROR",
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badFileOverride.StatusCode);

        var badImport = await client.PostAsJsonAsync("/api/v1/rules/import", new { yaml = "- rule: X\n  condition: [unclosed\n" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badImport.StatusCode);
        var removesUsedList = await client.PostAsJsonAsync("/api/v1/rules/import",
            new { yaml = "- list: falcohook_trusted_users\n  items: [a]\n  override: {items: replace}\n- macro: falcohook_ka_completed\n  condition: ka.verb in (undefined_thing\n  override: {condition: replace}\n" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, removesUsedList.StatusCode);

        Assert.Same(before, factory.Services.GetRequiredService<RuleSetHolder>().Current);
        Assert.Equal(1, await AuditAsync(client, Exec));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/rules/Broken")).StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<JsonArray>("/api/v1/rules/history"))!);
    }

    [Fact]
    public async Task Edited_rules_files_reload_and_a_broken_edit_keeps_the_running_set()
    {
        using var rules = new TempDirectory();
        var file = rules.File("rules.yaml");
        var original = File.ReadAllText(Path.Combine(SharedCorpus.RepositoryRoot, "rules", "k8s_audit", "falcohook_k8s_audit_rules.yaml"));
        File.WriteAllText(file, original);
        await using var factory = new RulesApiFactory();
        factory.With("FalcoHook:Rules:Paths:0", rules.Path).With("FalcoHook:Rules:Watch", "true").With("FalcoHook:Rules:WatchDebounce", "00:00:00.100");
        var client = factory.Client();
        Assert.Equal(1, await AuditAsync(client, Exec));

        File.WriteAllText(file, original + "\n- rule: Added in the file\n  desc: d\n  condition: ka.verb = get\n  output: o\n  priority: INFO\n  source: k8s_audit\n");
        // The running set is swapped before the reload's outcome is recorded: wait for both.
        await Eventually.TrueAsync(() => factory.Services.GetRequiredService<RuleSetHolder>().Current.Find("Added in the file") is not null &&
                                         factory.Services.GetRequiredService<RuleManagementService>().LastFileReload is { Applied: true },
            "the edited file to be reloaded");
        Assert.Equal("file", (string)(await Json(await client.GetAsync("/api/v1/rules/Added%20in%20the%20file")))["origin"]!["type"]!);

        var holder = factory.Services.GetRequiredService<RuleSetHolder>();
        var management = factory.Services.GetRequiredService<RuleManagementService>();
        var running = holder.Current;
        Assert.True(management.LastFileReload!.Applied);
        File.WriteAllText(file, original + "\n- rule: Broken\n  desc: d\n  condition: ka.verb = = get\n  output: o\n  priority: INFO\n  source: k8s_audit\n");
        // The watcher sees the edit, reloads, and refuses it: no call here reloads anything.
        await Eventually.TrueAsync(() => management.LastFileReload is { Applied: false } refused && refused.Errors.Any(e => e.ItemName == "Broken"),
            "the watcher to refuse the broken edit");
        var error = Assert.Single(management.LastFileReload!.Errors);
        Assert.EndsWith("rules.yaml", error.Location!.File);
        Assert.Contains("= =", File.ReadAllLines(file)[error.Location.Line - 1]);
        Assert.Same(running, holder.Current);
        Assert.NotNull(holder.Current.Find("Added in the file"));
        Assert.Null(holder.Current.Find("Broken"));
        Assert.Equal(1, await AuditAsync(client, Exec));
    }
}
