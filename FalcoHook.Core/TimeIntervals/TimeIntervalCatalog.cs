using FalcoHook.Core.Configuration;
using FalcoHook.Core.Coordination;

namespace FalcoHook.Core.TimeIntervals;

/// <summary>
/// The named time intervals: those of <c>FalcoHook:TimeIntervals</c> (origin <c>config</c>, read-only) and those put
/// through the API (<see cref="ITimeIntervalStore"/>, origin <c>api</c>). The stored ones are compiled into the
/// <see cref="TimeIntervalSet"/> the router reads, so a change applies to the next batch without a restart. They are
/// loaded on first use (at the latest when destinations are validated at start-up) and reread when another replica
/// changed them (<see cref="ISharedCache"/>, topic <see cref="ChangeTopic.TimeIntervals"/>); each change made here is
/// announced on the <see cref="IChangeFeed"/>.
/// </summary>
public sealed class TimeIntervalCatalog : ISharedCache
{
    public const string ConfigOrigin = "config";
    public const string ApiOrigin = "api";

    private readonly TimeIntervalsOptions _config;
    private readonly TimeIntervalSet _set;
    private readonly ITimeIntervalStore? _store;
    private readonly IChangeFeed? _feed;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile IReadOnlyList<TimeIntervalEntry> _stored = [];
    private volatile bool _loaded;

    public TimeIntervalCatalog(TimeIntervalsOptions config, TimeIntervalSet set, ITimeIntervalStore? store = null, IChangeFeed? feed = null)
    {
        _config = config;
        _set = set;
        _store = store;
        _feed = feed;
        _loaded = store is null;
    }

    public ChangeTopic Topic => ChangeTopic.TimeIntervals;

    /// <summary>Whether intervals can be put through the API (there is a store).</summary>
    public bool Dynamic => _store is not null;

    public bool IsConfigured(string name) => _config.TimeIntervals.ContainsKey(name);

    /// <summary>Every named interval, configuration's first, each group by name.</summary>
    public async Task<IReadOnlyList<TimeIntervalEntry>> ListAsync(CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        var config = _config.TimeIntervals.OrderBy(i => i.Key, StringComparer.Ordinal)
            .Select(i => new TimeIntervalEntry(i.Key, ConfigOrigin, i.Value, null));
        return [.. config, .. _stored];
    }

    public Task EnsureLoadedAsync(CancellationToken cancellationToken) => _loaded ? Task.CompletedTask : RefreshAsync(cancellationToken);

    /// <summary>The names of the stored intervals, loading them if need be; for the start-up check of destinations.</summary>
    public IReadOnlyCollection<string> StoredNamesAtStart()
    {
        EnsureLoadedAsync(CancellationToken.None).GetAwaiter().GetResult();
        return [.. _stored.Select(e => e.Name)];
    }

    /// <summary>Reads the stored intervals again (another replica changed them) and hands them to the router's set.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (_store is null) return;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await _store.ListTimeIntervalsAsync(cancellationToken).ConfigureAwait(false);
            var entries = new List<TimeIntervalEntry>(stored.Count);
            var compiled = new Dictionary<string, IReadOnlyList<TimeInterval>>(StringComparer.Ordinal);
            foreach (var interval in stored.OrderBy(i => i.Name, StringComparer.Ordinal))
            {
                entries.Add(new TimeIntervalEntry(interval.Name, ApiOrigin, interval.Intervals, interval.UpdatedAt));
                var ignored = new OptionsFailures(TimeIntervalSet.Section);
                compiled[interval.Name] = [.. interval.Intervals.Select((o, i) => TimeInterval.Compile(o, $"{interval.Name}:{i}", ignored)).OfType<TimeInterval>()];
            }
            _set.ReplaceStored(compiled);
            _stored = entries;
            _loaded = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// What is wrong with <paramref name="intervals"/>, with the messages configuration gives; keys are
    /// <c>TimeIntervals:0:Times:1</c> (configuration's are <c>FalcoHook:TimeIntervals:name:0:Times:1</c>).
    /// </summary>
    public static OptionsFailures Validate(IReadOnlyList<TimeIntervalOptions> intervals)
    {
        var failures = new OptionsFailures(TimeIntervalSet.Section);
        for (var i = 0; i < intervals.Count; i++) TimeInterval.Compile(intervals[i], $"TimeIntervals:{i}", failures);
        return failures;
    }

    /// <summary>Stores valid intervals (see <see cref="Validate"/>) under <paramref name="name"/>; true when the name is new.</summary>
    public async Task<bool> PutAsync(string name, IReadOnlyList<TimeIntervalOptions> intervals, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var store = _store ?? throw new InvalidOperationException("Time intervals cannot be stored without storage.");
        if (IsConfigured(name)) throw new ArgumentException($"'{name}' is a time interval of configuration.", nameof(name));
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        var created = _stored.All(e => e.Name != name);
        await store.PutTimeIntervalAsync(new StoredTimeInterval(name, intervals, now), cancellationToken).ConfigureAwait(false);
        await ChangedAsync(cancellationToken).ConfigureAwait(false);
        return created;
    }

    /// <summary>Deletes the stored interval <paramref name="name"/>; false when there is none.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        if (_store is null || IsConfigured(name)) return false;
        var deleted = await _store.DeleteTimeIntervalAsync(name, cancellationToken).ConfigureAwait(false);
        if (deleted) await ChangedAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    private async Task ChangedAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(CancellationToken.None).ConfigureAwait(false);
        if (_feed is not null) await _feed.PublishAsync(Topic, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>One named time interval: where it comes from (<c>config</c> or <c>api</c>), its intervals, when it was put.</summary>
public sealed record TimeIntervalEntry(string Name, string Origin, IReadOnlyList<TimeIntervalOptions> Intervals, DateTimeOffset? UpdatedAt);
