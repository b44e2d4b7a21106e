using System.Security.Cryptography;
using System.Text;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Configuration;
using FalcoHook.Core.Silences;

namespace FalcoHook.Core.Inhibition;

/// <summary>An inhibition rule ready to match: its parsed matchers, and an id derived from its definition.</summary>
public sealed class InhibitRule
{
    private InhibitRule(IReadOnlyList<SilenceMatcher> source, IReadOnlyList<SilenceMatcher> target, IReadOnlyList<string> equal, TimeSpan duration)
    {
        Source = source;
        Target = target;
        Equal = equal;
        Duration = duration;
        var definition = string.Join('\n', [.. source.Select(MatcherText.Format), "->", .. target.Select(MatcherText.Format), "==", .. equal]);
        Id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(definition)))[..12];
    }

    public IReadOnlyList<SilenceMatcher> Source { get; }
    public IReadOnlyList<SilenceMatcher> Target { get; }
    public IReadOnlyList<string> Equal { get; }
    public TimeSpan Duration { get; }

    /// <summary>
    /// Short hash of the matchers and Equal: stored source alerts are keyed by it, so an edited rule does not inherit
    /// the sources of the rule it replaces (its Duration may change freely).
    /// </summary>
    public string Id { get; }

    public bool IsSource(FalcoAlert alert, IReadOnlyDictionary<string, string> labels) => All(Source, alert, labels);

    public bool IsTarget(FalcoAlert alert, IReadOnlyDictionary<string, string> labels) => All(Target, alert, labels);

    /// <summary>The key a source and its targets share: the rule's id and the values of <see cref="Equal"/>.</summary>
    public string Key(FalcoAlert alert, IReadOnlyDictionary<string, string> labels)
    {
        var key = new StringBuilder(Id);
        foreach (var name in Equal) key.Append('\u001f').Append(SilenceMatcher.ValueOf(alert, labels, name));
        return key.ToString();
    }

    private static bool All(IReadOnlyList<SilenceMatcher> matchers, FalcoAlert alert, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var matcher in matchers) if (!matcher.Matches(alert, labels)) return false;
        return true;
    }

    /// <summary>The rules of <c>FalcoHook:Pipeline:Inhibit</c>; each problem is added to <paramref name="failures"/> under its key.</summary>
    public static IReadOnlyList<InhibitRule> Compile(IReadOnlyList<InhibitRuleOptions> options, OptionsFailures? failures = null)
    {
        var rules = new List<InhibitRule>(options.Count);
        for (var i = 0; i < options.Count; i++)
            if (Compile(options[i], $"Inhibit:{i}", failures) is { } rule) rules.Add(rule);
        return rules;
    }

    /// <summary>
    /// One rule, or null with each problem added to <paramref name="failures"/> under <paramref name="key"/>
    /// (<c>Inhibit:0</c> in configuration; empty for a rule put through the API, whose keys start at <c>SourceMatchers</c>).
    /// </summary>
    public static InhibitRule? Compile(InhibitRuleOptions rule, string key, OptionsFailures? failures)
    {
        string Key(string name) => key.Length == 0 ? name : $"{key}:{name}";
        var ok = true;
        var source = Parse(rule.SourceMatchers ?? [], Key("SourceMatchers"), failures, ref ok);
        var target = Parse(rule.TargetMatchers ?? [], Key("TargetMatchers"), failures, ref ok);
        if (rule.Duration <= TimeSpan.Zero)
        {
            failures?.Add(Key("Duration"), "must be positive.");
            ok = false;
        }
        var equal = rule.Equal ?? [];
        for (var j = 0; j < equal.Count; j++)
        {
            if (!string.IsNullOrWhiteSpace(equal[j])) continue;
            failures?.Add(Key($"Equal:{j}"), "is empty.");
            ok = false;
        }
        return ok ? new InhibitRule(source, target, equal, rule.Duration) : null;
    }

    private static List<SilenceMatcher> Parse(List<string> texts, string key, OptionsFailures? failures, ref bool ok)
    {
        if (texts.Count == 0)
        {
            failures?.Add(key, "at least one matcher is required (an empty list would match every alert).");
            ok = false;
        }
        var matchers = new List<SilenceMatcher>(texts.Count);
        for (var j = 0; j < texts.Count; j++)
        {
            if (MatcherText.TryParse(texts[j] ?? "", out var matcher, out var error)) matchers.Add(matcher!);
            else
            {
                failures?.Add($"{key}:{j}", error!);
                ok = false;
            }
        }
        return matchers;
    }
}
