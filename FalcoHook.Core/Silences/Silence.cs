using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Silences;

public enum SilenceState
{
    /// <summary>now &lt; StartsAt</summary>
    Pending,
    /// <summary>StartsAt &lt;= now &lt; EndsAt</summary>
    Active,
    /// <summary>EndsAt &lt;= now</summary>
    Expired,
}

/// <summary>
/// A silence (Alertmanager's model): while active, every alert that ALL its matchers match is counted and not sent.
/// </summary>
public sealed record Silence
{
    public required string Id { get; init; }
    public required IReadOnlyList<SilenceMatcher> Matchers { get; init; }
    public required DateTimeOffset StartsAt { get; init; }
    public required DateTimeOffset EndsAt { get; init; }
    public required string CreatedBy { get; init; }
    public string Comment { get; init; } = "";
    public DateTimeOffset UpdatedAt { get; init; }

    public SilenceState StateAt(DateTimeOffset now) =>
        now < StartsAt ? SilenceState.Pending : now < EndsAt ? SilenceState.Active : SilenceState.Expired;

    public bool IsActiveAt(DateTimeOffset now) => StateAt(now) == SilenceState.Active;

    public bool Matches(FalcoAlert alert) => Matches(alert, AlertLabels.From(alert));

    /// <summary>Matches the alert whose labels (<see cref="AlertLabels.From"/>) are <paramref name="labels"/>.</summary>
    public bool Matches(FalcoAlert alert, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var matcher in Matchers) if (!matcher.Matches(alert, labels)) return false;
        return Matchers.Count > 0;
    }

    /// <summary>
    /// This silence ended at <paramref name="now"/>: an active one ends now, a pending one starts and ends now,
    /// an expired one is returned as it is.
    /// </summary>
    public Silence ExpiredAt(DateTimeOffset now) => StateAt(now) switch
    {
        SilenceState.Active => this with { EndsAt = now, UpdatedAt = now },
        SilenceState.Pending => this with { StartsAt = now, EndsAt = now, UpdatedAt = now },
        _ => this,
    };
}
