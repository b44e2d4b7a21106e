using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Rules;

public sealed class RulesPathsStartupTests
{
    [Fact]
    public void A_rules_folder_with_no_rules_files_stops_start_up_naming_it()
    {
        var folder = Directory.CreateTempSubdirectory("falcohook-rules").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "nested"));
        File.WriteAllText(Path.Combine(folder, "nested", "r.yaml"), "- list: a\n  items: []\n");
        using var factory = new FalcoHookFactory().With("FalcoHook:Rules:Paths:0", folder);

        var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("FalcoHook:Rules:Paths", failure.ToString(), StringComparison.Ordinal);
        Assert.Contains(folder, failure.ToString(), StringComparison.Ordinal);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void A_missing_rules_path_stops_start_up_naming_it()
    {
        using var factory = new FalcoHookFactory().With("FalcoHook:Rules:Paths:0", "/nonexistent/falcohook-rules.yaml");
        var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("/nonexistent/falcohook-rules.yaml", failure.ToString(), StringComparison.Ordinal);
    }
}
