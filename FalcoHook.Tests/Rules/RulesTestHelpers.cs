using FalcoHook.Core.Fields;
using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Loading;

namespace FalcoHook.Tests.Rules;

internal static class RulesTestHelpers
{
    public static RuleSet LoadYaml(string yaml, params IFieldProvider[] providers) =>
        RuleSet.Load([new RulesFile("test.yaml", yaml)], providers);

    public static RuleSet LoadYamls(IFieldProvider[] providers, params string[] yamls) =>
        RuleSet.Load(yamls.Select((y, i) => new RulesFile($"f{i + 1}.yaml", y)), providers);

    public static RuleSet LoadOk(string yaml, params IFieldProvider[] providers)
    {
        var set = LoadYaml(yaml, providers);
        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        return set;
    }

    public static RuleDiagnostic SingleError(RuleSet set)
    {
        var errors = set.Diagnostics.Where(d => d.IsError).ToList();
        Assert.True(errors.Count == 1, "expected one error, got:\n" + string.Join("\n", set.Diagnostics));
        return errors[0];
    }

    public static void AssertAt(RuleDiagnostic diagnostic, int line, int column, string messagePart)
    {
        Assert.Contains(messagePart, diagnostic.Message);
        Assert.NotNull(diagnostic.Location);
        Assert.Equal((line, column), (diagnostic.Location!.Line, diagnostic.Location.Column));
    }

    /// <summary>A rule of source <c>test</c> with the given condition.</summary>
    public static string Rule(string name, string condition, string output = "out", string priority = "WARNING") => $"""
        - rule: {name}
          desc: {name} description
          condition: {condition}
          output: {output}
          priority: {priority}
          source: test

        """;

    public static TestEvent Event(params (string Key, object? Value)[] fields)
    {
        var evt = new TestEvent();
        foreach (var (key, value) in fields) evt[key] = value;
        return evt;
    }
}
