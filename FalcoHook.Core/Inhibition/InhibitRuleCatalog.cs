using FalcoHook.Core.Configuration;
using FalcoHook.Core.Coordination;

namespace FalcoHook.Core.Inhibition;

/// <summary>
/// The inhibition rules in force: those of <c>FalcoHook:Pipeline:Inhibit</c> (named <c>config-0</c>, <c>config-1</c>…,
/// read-only) and those put through the API (<see cref="IInhibitRuleStore"/>), compiled into one <see cref="Current"/>
/// set that the inhibit stage reads for every batch, so a change takes effect on the next batch without a restart. The
/// stored rules are loaded on first use and reread when another replica changed them (<see cref="ISharedCache"/>,
/// topic <see cref="ChangeTopic.InhibitRules"/>); each change made here is announced on the <see cref="IChangeFeed"/>.
/// </summary>
public sealed class InhibitRuleCatalog : ISharedCache
{
    /// <summary>The names of configuration rules start with this; the API may not use it.</summary>
    public const string ConfigPrefix = "config-";

    public const string ConfigOrigin = "config";
    public const string ApiOrigin = "api";

    private readonly IReadOnlyList<InhibitRuleEntry> _config;
    private readonly IInhibitRuleStore? _store;
    private readonly IChangeFeed? _feed;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile InhibitRuleSnapshot _current;
    private volatile bool _loaded;

    public InhibitRuleCatalog(IReadOnlyList<InhibitRuleOptions> config, IInhibitRuleStore? store = null, IChangeFeed? feed = null)
    {
        _config = [.. config.Select((rule, i) => new InhibitRuleEntry($"{ConfigPrefix}{i}", ConfigOrigin, rule, null,
            InhibitRule.Compile(rule, $"Inhibit:{i}", null)))];
        _store = store;
        _feed = feed;
        _current = Build([]);
        _loaded = store is null;
    }

    public ChangeTopic Topic => ChangeTopic.InhibitRules;

    /// <summary>Whether rules can change while running (there is a store); the inhibit stage then always runs.</summary>
    public bool Dynamic => _store is not null;

    /// <summary>Whether the stored rules are in <see cref="Current"/> (always, without a store).</summary>
    public bool IsLoaded => _loaded;

    /// <summary>The rules in force now, configuration's first.</summary>
    public InhibitRuleSnapshot Current => _current;

    public static bool IsConfigName(string name) => name.StartsWith(ConfigPrefix, StringComparison.Ordinal);

    public Task EnsureLoadedAsync(CancellationToken cancellationToken) => _loaded ? Task.CompletedTask : RefreshAsync(cancellationToken);

    /// <summary>Reads the stored rules again (another replica changed them).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (_store is null) return;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _current = Build(await _store.ListInhibitRulesAsync(cancellationToken).ConfigureAwait(false));
            _loaded = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>What is wrong with <paramref name="rule"/>, with the messages configuration gives (keys from <c>SourceMatchers</c> on).</summary>
    public static OptionsFailures Validate(InhibitRuleOptions rule)
    {
        var failures = new OptionsFailures(PipelineSection);
        InhibitRule.Compile(rule, "", failures);
        return failures;
    }

    /// <summary>Stores a valid rule (see <see cref="Validate"/>) under <paramref name="name"/>; true when it is new.</summary>
    public async Task<bool> PutAsync(string name, InhibitRuleOptions rule, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var store = _store ?? throw new InvalidOperationException("Inhibition rules cannot be stored without storage.");
        if (IsConfigName(name)) throw new ArgumentException($"'{name}' is a configuration rule's name.", nameof(name));
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        var created = _current.Entries.All(e => e.Name != name);
        await store.PutInhibitRuleAsync(new StoredInhibitRule(name, rule, now), cancellationToken).ConfigureAwait(false);
        await ChangedAsync(cancellationToken).ConfigureAwait(false);
        return created;
    }

    /// <summary>Deletes the stored rule <paramref name="name"/>; false when there is none.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        if (_store is null || IsConfigName(name)) return false;
        var deleted = await _store.DeleteInhibitRuleAsync(name, cancellationToken).ConfigureAwait(false);
        if (deleted) await ChangedAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    private async Task ChangedAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(CancellationToken.None).ConfigureAwait(false);
        if (_feed is not null) await _feed.PublishAsync(Topic, cancellationToken).ConfigureAwait(false);
    }

    private InhibitRuleSnapshot Build(IReadOnlyList<StoredInhibitRule> stored)
    {
        var entries = new List<InhibitRuleEntry>(_config);
        foreach (var rule in stored.OrderBy(r => r.Name, StringComparer.Ordinal))
            entries.Add(new InhibitRuleEntry(rule.Name, ApiOrigin, rule.Rule, rule.UpdatedAt, InhibitRule.Compile(rule.Rule, "", null)));
        return new InhibitRuleSnapshot(entries);
    }

    private const string PipelineSection = "FalcoHook:Pipeline:Inhibit";
}

/// <summary>One named inhibition rule: where it comes from (<c>config</c> or <c>api</c>), its definition, and the compiled rule.</summary>
public sealed record InhibitRuleEntry(string Name, string Origin, InhibitRuleOptions Options, DateTimeOffset? UpdatedAt, InhibitRule? Rule);

/// <summary>The rules in force at one moment, and the longest Duration among them.</summary>
public sealed class InhibitRuleSnapshot
{
    public InhibitRuleSnapshot(IReadOnlyList<InhibitRuleEntry> entries)
    {
        Entries = entries;
        Rules = [.. entries.Select(e => e.Rule).OfType<InhibitRule>()];
        Longest = Rules.Count == 0 ? TimeSpan.Zero : Rules.Max(r => r.Duration);
    }

    public IReadOnlyList<InhibitRuleEntry> Entries { get; }
    public IReadOnlyList<InhibitRule> Rules { get; }
    public TimeSpan Longest { get; }
}
