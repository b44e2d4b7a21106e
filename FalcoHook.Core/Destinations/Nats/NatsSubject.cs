using System.Text.RegularExpressions;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Destinations.Nats;

/// <summary>
/// The subject of one alert from the <c>Subject</c> pattern: <c>{priority}</c> becomes the priority in lower case
/// (<c>critical</c>), <c>{rule}</c>, <c>{source}</c> and <c>{hostname}</c> the value with every character other than
/// ASCII letters and digits turned into <c>_</c> (<see cref="AlertLabels.SafeName"/>: <c>Terminal shell in
/// container</c> → <c>Terminal_shell_in_container</c>), or <c>unknown</c> when nothing is left. So a value never adds a
/// token, a wildcard or a space to the subject.
/// </summary>
public static partial class NatsSubject
{
    private static readonly string[] Names = ["priority", "rule", "source", "hostname"];

    public static string For(string pattern, FalcoAlert alert) =>
        Placeholder().Replace(pattern, match => match.Groups[1].Value switch
        {
            "priority" => alert.Priority.ToFalcoString().ToLowerInvariant(),
            "rule" => Safe(alert.Rule),
            "source" => Safe(alert.Source),
            _ => Safe(alert.Hostname),
        });

    /// <summary>What is wrong with a pattern: null when every subject it makes is a valid publish subject.</summary>
    public static string? Problem(string pattern)
    {
        var unknown = Placeholder().Matches(pattern).Select(m => m.Groups[1].Value).Where(n => !Names.Contains(n)).Distinct().ToList();
        if (unknown.Count > 0) return $"has unknown placeholders {string.Join(", ", unknown.Select(n => "{" + n + "}"))} (known: {{priority}}, {{rule}}, {{source}}, {{hostname}})";
        var sample = Placeholder().Replace(pattern, "x");
        if (sample.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '*' or '>' or '{' or '}'))
            return "must not contain spaces, wildcards (* >) or braces other than the placeholders";
        if (sample.Split('.').Any(token => token.Length == 0)) return "must be dot-separated tokens, none empty";
        return null;
    }

    private static string Safe(string? value)
    {
        var safe = value is null ? "" : AlertLabels.SafeName(value);
        return safe.Length == 0 ? "unknown" : safe;
    }

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex Placeholder();
}
