using System.Text.Json.Serialization;
using FalcoHook.Core.Silences;

namespace FalcoHook.Api.AlertmanagerApi;

// The shapes of Alertmanager's API v2 (its openapi.yaml, `definitions`), with its JSON property names.

/// <summary><c>matcher</c>: <c>isRegex</c> and <c>isEqual</c> (default true) give the operator.</summary>
public sealed record AmMatcher(string? Name, string? Value, bool IsRegex, bool? IsEqual = null)
{
    public MatchOperator Operator => (IsRegex, IsEqual ?? true) switch
    {
        (false, true) => MatchOperator.Equal,
        (false, false) => MatchOperator.NotEqual,
        (true, true) => MatchOperator.Regex,
        (true, false) => MatchOperator.NotRegex,
    };

    public static AmMatcher From(SilenceMatcher matcher) => new(matcher.Name, matcher.Value,
        matcher.Operator is MatchOperator.Regex or MatchOperator.NotRegex,
        matcher.Operator is MatchOperator.Equal or MatchOperator.Regex);
}

/// <summary><c>postableSilence</c>: a new silence, or (with <c>id</c>) the replacement of one.</summary>
public sealed record AmPostableSilence(
    string? Id,
    IReadOnlyList<AmMatcher>? Matchers,
    DateTimeOffset? StartsAt,
    DateTimeOffset? EndsAt,
    string? CreatedBy,
    string? Comment);

public sealed record AmSilenceStatus(string State);

/// <summary><c>gettableSilence</c>.</summary>
public sealed record AmGettableSilence(
    string Id,
    AmSilenceStatus Status,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<AmMatcher> Matchers,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string CreatedBy,
    string Comment,
    IReadOnlyDictionary<string, string> Annotations)
{
    public static AmGettableSilence From(Silence silence, DateTimeOffset now) => new(
        silence.Id,
        new AmSilenceStatus(silence.StateAt(now).ToString().ToLowerInvariant()),
        AmTime.Of(silence.UpdatedAt),
        silence.Matchers.Select(AmMatcher.From).ToList(),
        AmTime.Of(silence.StartsAt),
        AmTime.Of(silence.EndsAt),
        silence.CreatedBy,
        silence.Comment,
        new Dictionary<string, string>());
}

/// <summary>The answer to <c>POST /silences</c>.</summary>
public sealed record AmSilenceCreated([property: JsonPropertyName("silenceID")] string SilenceId);

public sealed record AmReceiver(string Name);

public sealed record AmAlertStatus(string State, IReadOnlyList<string> SilencedBy, IReadOnlyList<string> InhibitedBy, IReadOnlyList<string> MutedBy);

/// <summary><c>gettableAlert</c>.</summary>
public sealed record AmGettableAlert(
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    IReadOnlyList<AmReceiver> Receivers,
    string Fingerprint,
    DateTimeOffset StartsAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset EndsAt,
    AmAlertStatus Status)
{
    public static AmGettableAlert From(RecentAlert alert, TimeSpan activeFor) => new(
        alert.Labels,
        new Dictionary<string, string> { ["summary"] = alert.Alert.Output, ["description"] = alert.Alert.Output },
        alert.Receivers.Select(r => new AmReceiver(r)).ToList(),
        alert.Fingerprint,
        AmTime.Of(alert.StartsAt),
        AmTime.Of(alert.UpdatedAt),
        AmTime.Of(alert.UpdatedAt + activeFor),
        new AmAlertStatus(alert.Suppressed ? "suppressed" : "active", alert.SilencedBy, alert.InhibitedBy, alert.MutedBy));
}

/// <summary><c>alertGroup</c>.</summary>
public sealed record AmAlertGroup(
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> RouteLabels,
    AmReceiver Receiver,
    IReadOnlyList<AmGettableAlert> Alerts);

/// <summary><c>alertmanagerStatus</c>.</summary>
public sealed record AmStatus(AmClusterStatus Cluster, AmVersionInfo VersionInfo, AmConfig Config, DateTimeOffset Uptime);

public sealed record AmClusterStatus(
    string Status, IReadOnlyList<AmPeerStatus> Peers, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name = null);

public sealed record AmPeerStatus(string Name, string Address);

public sealed record AmVersionInfo(string Version, string Revision, string Branch, string BuildUser, string BuildDate, string GoVersion);

public sealed record AmConfig(string Original);

internal static class AmTime
{
    /// <summary>UTC, to the millisecond: what Alertmanager's clients parse.</summary>
    public static DateTimeOffset Of(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());
}
