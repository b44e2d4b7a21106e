using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Management;

namespace FalcoHook.Tests.RulesApi;

/// <summary>The managed document is written as YAML the engine reads back to the same values.</summary>
public sealed class ManagedDocumentTests
{
    [Theory]
    [InlineData("ka.verb = get")]
    [InlineData("ka.verb in (get, list)\nand not ka.user.name startswith \"system:\"")]
    [InlineData("line one\nline two\n")]
    [InlineData("  leading spaces\nsecond")]
    [InlineData("tab\there, quote \" backslash \\ colon: hash # brace {x} [y] *star &amp !bang %pct @at `tick`")]
    [InlineData("unicode é 中文 \u0001 control")]
    [InlineData("true")]
    [InlineData("")]
    public void Strings_survive_a_write_and_a_read(string text)
    {
        var item = new ManagedItem(ItemKind.Macro, "m", new YamlMappingValue([
            new("macro", YamlValue.Text("m")), new("condition", YamlValue.Text(text)),
            new("tags", new YamlSequenceValue([YamlValue.Text(text), YamlValue.Text("a, b")])),
        ]));
        var yaml = new ManagedDocument(1, [item]).ToYaml();

        var errors = new List<RuleDiagnostic>();
        var read = ManagedDocument.Parse(yaml, 1, "t.yaml", errors);

        Assert.Empty(errors);
        var body = Assert.Single(read!.Items).Body;
        Assert.Equal(text, ((YamlScalarValue)body["condition"]!).Value);
        Assert.Equal([text, "a, b"], ((YamlSequenceValue)body["tags"]!).Items.Select(i => ((YamlScalarValue)i).Value));
    }

    [Fact]
    public void Set_replaces_the_first_item_of_a_name_and_drops_its_later_appends()
    {
        var errors = new List<RuleDiagnostic>();
        var document = ManagedDocument.Parse("- list: a\n  items: [x]\n- list: b\n  items: [y]\n- list: a\n  items: [z]\n  append: true\n", 3, "t.yaml", errors)!;
        var set = document.Set(new ManagedItem(ItemKind.List, "a", new YamlMappingValue([new("list", YamlValue.Text("a"))])));
        Assert.Equal(["a", "b"], set.Items.Select(i => i.Name));
        Assert.Equal(3, set.Version);
        Assert.Equal(["b"], set.Remove(ItemKind.List, "a").Items.Select(i => i.Name));
    }
}
