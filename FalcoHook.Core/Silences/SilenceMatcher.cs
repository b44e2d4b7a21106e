using System.Text.RegularExpressions;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Silences;

/// <summary>Alertmanager's four matcher operators.</summary>
public enum MatchOperator
{
    /// <summary><c>=</c></summary>
    Equal,
    /// <summary><c>!=</c></summary>
    NotEqual,
    /// <summary><c>=~</c>: the regex matches the whole value.</summary>
    Regex,
    /// <summary><c>!~</c>: the regex does not match the whole value.</summary>
    NotRegex,
}

/// <summary>
/// One condition of a silence or an inhibition rule: a name, an operator and a value. The name is an Alertmanager label
/// of the alert (<see cref="AlertLabels"/>: <c>alertname</c>, <c>priority</c>, <c>hostname</c>, <c>k8s_ns_name</c>…) or a
/// Falco field (<c>falco.rule</c>, <c>falco.priority</c>, <c>falco.source</c>, <c>falco.hostname</c>, <c>falco.tags</c>,
/// <c>falco.output</c>, or an output_fields key such as <c>k8s.ns.name</c>); a label of that name wins. As in
/// Alertmanager, a missing one has the value "" and a regex must match the whole value (it is anchored as
/// <c>^(?:value)$</c>); regexes run NonBacktracking.
/// </summary>
public sealed class SilenceMatcher
{
    private readonly Regex? _regex;

    private SilenceMatcher(string name, MatchOperator op, string value, Regex? regex)
    {
        Name = name;
        Operator = op;
        Value = value;
        _regex = regex;
    }

    public string Name { get; }
    public MatchOperator Operator { get; }
    public string Value { get; }

    public static bool TryCreate(string name, MatchOperator op, string value, out SilenceMatcher? matcher, out string? error)
    {
        matcher = null;
        error = null;
        if (string.IsNullOrWhiteSpace(name))
        {
            error = "The field name is required.";
            return false;
        }
        Regex? regex = null;
        if (op is MatchOperator.Regex or MatchOperator.NotRegex)
        {
            try
            {
                regex = new Regex($"^(?:{value})$", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                error = $"Not a valid regular expression: {e.Message}";
                return false;
            }
        }
        matcher = new SilenceMatcher(name, op, value, regex);
        return true;
    }

    public static SilenceMatcher Create(string name, MatchOperator op, string value) =>
        TryCreate(name, op, value, out var matcher, out var error) ? matcher! : throw new ArgumentException(error, nameof(value));

    public bool Matches(FalcoAlert alert) => Matches(alert, AlertLabels.From(alert));

    /// <summary>Matches the alert whose labels (<see cref="AlertLabels.From"/>) are <paramref name="labels"/>.</summary>
    public bool Matches(FalcoAlert alert, IReadOnlyDictionary<string, string> labels) => Matches(ValueOf(alert, labels, Name));

    /// <summary>
    /// What <paramref name="name"/> means for an alert: its label of that name, else the Falco field, else "".
    /// </summary>
    public static string ValueOf(FalcoAlert alert, IReadOnlyDictionary<string, string> labels, string name) =>
        labels.TryGetValue(name, out var label) ? label : FalcoAlertFieldProvider.Text(alert, name) ?? "";

    public bool Matches(string value) => Operator switch
    {
        MatchOperator.Equal => value == Value,
        MatchOperator.NotEqual => value != Value,
        MatchOperator.Regex => _regex!.IsMatch(value),
        MatchOperator.NotRegex => !_regex!.IsMatch(value),
        _ => false,
    };

    public static string ToSymbol(MatchOperator op) => op switch
    {
        MatchOperator.Equal => "=",
        MatchOperator.NotEqual => "!=",
        MatchOperator.Regex => "=~",
        MatchOperator.NotRegex => "!~",
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    public static bool TryParseOperator(string? symbol, out MatchOperator op)
    {
        (var ok, op) = symbol switch
        {
            "=" => (true, MatchOperator.Equal),
            "!=" => (true, MatchOperator.NotEqual),
            "=~" => (true, MatchOperator.Regex),
            "!~" => (true, MatchOperator.NotRegex),
            _ => (false, MatchOperator.Equal),
        };
        return ok;
    }

    public override string ToString() => $"{Name}{ToSymbol(Operator)}\"{Value}\"";
}
