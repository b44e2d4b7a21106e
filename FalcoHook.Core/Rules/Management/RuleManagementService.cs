using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Loading;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Rules.Management;

/// <summary>
/// Applies changes to the managed rules. The effective rule set is the files of <c>FalcoHook:Rules:Paths</c> in
/// order, then the managed document. Every change edits a copy of the managed document, compiles files + copy,
/// and only when that has no errors stores the copy with a history row (one transaction) and swaps the new set
/// in; otherwise nothing changes and the diagnostics come back. Items from files are never edited: a change to
/// one writes an <c>override:</c> item into the managed document. A change is edited and compiled without
/// holding the lock; the lock is taken to store and swap, and the change is compiled again when the running
/// rules changed in between.
/// </summary>
public sealed partial class RuleManagementService(RuleSetHolder holder, IManagedRulesStore store, TimeProvider time,
    ILogger<RuleManagementService> logger)
{
    /// <summary>Rule keys a replace of a file rule overrides (Falco's <c>override: {key: replace}</c>).</summary>
    private static readonly HashSet<string> RuleReplaceable = ["condition", "output", "desc", "priority", "tags", "exceptions",
        "enabled", "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration"];

    /// <summary>Compiles of a change made without the lock before one is made holding it (when others keep changing the rules).</summary>
    private const int OptimisticAttempts = 3;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private RulesView? _view;
    private FileReload? _lastFileReload;

    /// <summary>The outcome of the latest reload of the rules files (after an edit on disk), or null before the first.</summary>
    public FileReload? LastFileReload => Volatile.Read(ref _lastFileReload);

    /// <summary>The running rules as items (rebuilt whenever the running set changed).</summary>
    public RulesView View
    {
        get
        {
            var state = holder.State;
            var view = Volatile.Read(ref _view);
            if (view is not null && ReferenceEquals(view.Set, state.Set)) return view;
            view = RulesView.Build(state.Set, state.Files, state.Managed);
            Volatile.Write(ref _view, view);
            return view;
        }
    }

    /// <summary>Creates an item (its body starts with <c>rule:</c>, <c>macro:</c> or <c>list:</c>); Conflict when the name is taken.</summary>
    public Task<ChangeResult> CreateAsync(ItemKind kind, string name, YamlMappingValue body, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(kind, name, null, actor, "create", cancellationToken, (view, managed) =>
            ItemNames.Problem(kind, name) is { } problem ? Refuse(ChangeStatus.Invalid, view, problem)
            : view.OriginOf(kind, name) is not null ? Refuse(ChangeStatus.Conflict, view, $"A {kind.Key()} named '{name}' already exists.")
            : managed.Set(new ManagedItem(kind, name, body)));

    /// <summary>
    /// Replaces an item's definition: an API item is rewritten; a file item gets an override item replacing every
    /// key the body sets (a rule's <c>source</c> cannot change).
    /// </summary>
    public Task<ChangeResult> ReplaceAsync(ItemKind kind, string name, YamlMappingValue body, string? ifMatch, string actor,
        CancellationToken cancellationToken) =>
        ChangeAsync(kind, name, ifMatch, actor, "replace", cancellationToken, (view, managed) =>
        {
            var origin = view.OriginOf(kind, name)!;
            if (!origin.IsFile) return managed.Set(new ManagedItem(kind, name, body));
            if (kind == ItemKind.Rule && body["source"] is YamlScalarValue source && source.Value != view.Rule(name)!.Definition.Source)
            {
                return Refuse(ChangeStatus.Invalid, view, $"rule '{name}' is defined in {origin.File} with source " +
                                                          $"'{view.Rule(name)!.Definition.Source}'; an override cannot change the source.");
            }
            return managed.Set(new ManagedItem(kind, name, AsOverride(kind, body)));
        });

    /// <summary>Deletes an API item, or removes the API's override of a file item; a file item itself cannot be deleted.</summary>
    public Task<ChangeResult> DeleteAsync(ItemKind kind, string name, string? ifMatch, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(kind, name, ifMatch, actor, "delete", cancellationToken, (view, managed) =>
        {
            var origin = view.OriginOf(kind, name)!;
            if (origin.IsFile && !origin.Overridden)
            {
                return Refuse(ChangeStatus.Conflict, view, $"{kind.Key()} '{name}' is defined in {origin.File} and is read-only " +
                                                           "through the API" + (kind == ItemKind.Rule ? "; disable it instead." : "."));
            }
            return managed.Remove(kind, name);
        });

    /// <summary>Enables or disables a rule: on an API rule its <c>enabled</c>; on a file rule an <c>override: {enabled: replace}</c> item.</summary>
    public Task<ChangeResult> SetEnabledAsync(string name, bool enabled, string? ifMatch, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(ItemKind.Rule, name, ifMatch, actor, enabled ? "enable" : "disable", cancellationToken, (view, managed) =>
        {
            var origin = view.Rule(name)!.Origin;
            var existing = managed.Find(ItemKind.Rule, name);
            if (!origin.IsFile)
            {
                return managed.Update(ItemKind.Rule, name, item => item with { Body = item.Body.With("enabled", YamlValue.Bool(enabled)) });
            }
            var body = existing?.Body ?? new YamlMappingValue([new("rule", YamlValue.Text(name))]);
            body = body.With("enabled", YamlValue.Bool(enabled));
            if (existing is null || body["override"] is YamlMappingValue)
                body = body.With("override", ((body["override"] as YamlMappingValue) ?? new YamlMappingValue([])).With("enabled", Replace));
            return managed.Set(new ManagedItem(ItemKind.Rule, name, body));
        });

    /// <summary>
    /// Replaces the whole managed document with <paramref name="yaml"/> (import). The document is parsed and
    /// compiled without holding the lock other changes wait on; the lock is taken only to store and swap.
    /// </summary>
    public Task<ChangeResult> ImportAsync(string yaml, string? ifMatch, string actor, CancellationToken cancellationToken)
    {
        var errors = new List<RuleDiagnostic>();
        var parsed = ManagedDocument.Parse(yaml, 0, ManagedDocument.FileName, errors, checkNames: true, cancellationToken);
        if (parsed is null) return Task.FromResult(new ChangeResult(ChangeStatus.Invalid, View, "The document does not parse.", errors));
        return ApplyAsync(view =>
        {
            if (!Matches(ifMatch, view.DocumentETag))
                return new ChangeResult(ChangeStatus.PreconditionFailed, view, $"The managed rules are at {view.DocumentETag}.");
            var document = parsed.WithVersion(view.Managed.Version);
            var change = new RuleChange(0, time.GetUtcNow(), actor, "import", null, null, view.Managed.ToYaml(), document.ToYaml(), 0);
            return Propose(view, document, change, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>
    /// Compiles the effective rules followed by <paramref name="candidate"/> (named <c>request.yaml</c> in
    /// diagnostics) or, when null, the effective rules alone. Changes nothing; cancelling stops the compile.
    /// </summary>
    public RuleSet CompileWith(string? candidate, CancellationToken cancellationToken = default)
    {
        var view = View;
        return candidate is null ? view.Set : holder.Compile(view.Files, view.Managed, cancellationToken, new RulesFile(CandidateName, candidate));
    }

    public const string CandidateName = "request.yaml";

    /// <summary>What applying an item would give, without applying it: the diagnostics of files + managed document with the item set.</summary>
    public IReadOnlyList<RuleDiagnostic> ValidateItem(ItemKind kind, string name, YamlMappingValue body, CancellationToken cancellationToken = default)
    {
        var view = View;
        var origin = view.OriginOf(kind, name);
        var item = new ManagedItem(kind, name, origin is { IsFile: true } ? AsOverride(kind, body) : body);
        return holder.Compile(view.Files, view.Managed.Set(item), cancellationToken).Diagnostics;
    }

    /// <summary>Re-reads the rules files (after they changed) and swaps in what compiles with the managed document.</summary>
    public async Task<RuleSet?> ReloadFilesAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var files = holder.ReadConfiguredFiles();
            var managed = holder.Managed;
            var set = holder.Compile(files, managed);
            if (set.HasErrors)
            {
                foreach (var error in set.Diagnostics.Where(d => d.IsError)) LogReloadError(error.ToString());
                LogReloadRefused(holder.Current.Rules.Count);
                Volatile.Write(ref _lastFileReload, new FileReload(time.GetUtcNow(), false, set.Diagnostics.Where(d => d.IsError).ToList()));
                return null;
            }
            holder.Swap(set, files, managed);
            LogReloaded(set.Rules.Count, files.Count);
            Volatile.Write(ref _lastFileReload, new FileReload(time.GetUtcNow(), true, []));
            return set;
        }
        catch (RulesLoadException e)
        {
            LogReloadError(e.Message);
            LogReloadRefused(holder.Current.Rules.Count);
            Volatile.Write(ref _lastFileReload, new FileReload(time.GetUtcNow(), false, e.Diagnostics));
            return null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task<IReadOnlyList<RuleChange>> HistoryAsync(ItemKind? kind, string? name, int limit, CancellationToken cancellationToken) =>
        store.HistoryAsync(kind?.Key(), name, limit, cancellationToken);

    private static readonly YamlScalarValue Replace = new("replace", Plain: true);

    private static YamlMappingValue AsOverride(ItemKind kind, YamlMappingValue body)
    {
        var key = kind.Key();
        var kept = body.Entries.Where(e => e.Key != "override" && e.Key != "append" && e.Key != "source").ToList();
        var replaced = kept.Where(e => e.Key != key && (kind != ItemKind.Rule || RuleReplaceable.Contains(e.Key)))
            .Select(e => new KeyValuePair<string, YamlValue>(e.Key, Replace)).ToList();
        return new YamlMappingValue([.. kept, new("override", new YamlMappingValue(replaced))]);
    }

    private sealed record Refusal(ChangeResult Result);

    private static object Refuse(ChangeStatus status, RulesView view, string message) => new Refusal(new ChangeResult(status, view, message));

    /// <summary>The frame of every item change: 404 and If-Match checks, edit, compile, then store with history and swap.</summary>
    private Task<ChangeResult> ChangeAsync(ItemKind kind, string name, string? ifMatch, string actor, string action,
        CancellationToken cancellationToken, Func<RulesView, ManagedDocument, object> edit) =>
        ApplyAsync(view =>
        {
            var etag = view.ETagOf(kind, name);
            if (action != "create")
            {
                if (etag is null) return new ChangeResult(ChangeStatus.NotFound, view, $"There is no {kind.Key()} named '{name}'.");
                if (!Matches(ifMatch, etag)) return new ChangeResult(ChangeStatus.PreconditionFailed, view, $"The {kind.Key()} '{name}' is now {etag}.");
            }
            var edited = edit(view, view.Managed);
            if (edited is Refusal refusal) return refusal.Result;
            var document = (ManagedDocument)edited;
            var change = new RuleChange(0, time.GetUtcNow(), actor, action, kind.Key(), name,
                Describe(view.Managed, kind, name), Describe(document, kind, name), 0);
            return Propose(view, document, change, cancellationToken);
        }, cancellationToken);

    private static string? Describe(ManagedDocument document, ItemKind kind, string name)
    {
        var items = document.Items.Where(i => i.Kind == kind && i.Name == name).Select(i => i.ToYaml()).ToList();
        return items.Count == 0 ? null : string.Concat(items);
    }

    /// <summary>A change ready to store: the new document, its history row and the set it compiles to.</summary>
    private sealed record Proposal(ManagedDocument Document, RuleChange Change, RuleSet Set);

    /// <summary>Compiles the files and <paramref name="document"/>: a <see cref="Proposal"/>, or the refusal with every diagnostic.</summary>
    private object Propose(RulesView view, ManagedDocument document, RuleChange change, CancellationToken cancellationToken)
    {
        var set = holder.Compile(view.Files, document, cancellationToken);
        return set.HasErrors
            ? new ChangeResult(ChangeStatus.Invalid, view, "The change does not compile; nothing changed.", set.Diagnostics)
            : new Proposal(document, change, set);
    }

    /// <summary>
    /// Runs <paramref name="prepare"/> (checks, edit, compile: a <see cref="ChangeResult"/> refusing, or a
    /// <see cref="Proposal"/>) on the running rules without the lock, then commits under the lock when the
    /// running rules are still the ones it saw; after <see cref="OptimisticAttempts"/> tries it prepares under the lock.
    /// </summary>
    private async Task<ChangeResult> ApplyAsync(Func<RulesView, object> prepare, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < OptimisticAttempts; attempt++)
        {
            var view = View;
            var prepared = prepare(view);
            if (prepared is ChangeResult refused) return refused;
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (ReferenceEquals(holder.Current, view.Set))
                    return await CommitAsync(view, (Proposal)prepared, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var view = View;
            var prepared = prepare(view);
            return prepared as ChangeResult ?? await CommitAsync(view, (Proposal)prepared, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stores the proposal with its history row (refused when the stored version moved) and swaps its set in. Under the lock.</summary>
    private async Task<ChangeResult> CommitAsync(RulesView view, Proposal proposal, CancellationToken cancellationToken)
    {
        var (document, change, set) = proposal;
        RuleChange saved;
        try
        {
            saved = await store.SaveAsync(view.Managed.Version, document.ToYaml(), change, cancellationToken).ConfigureAwait(false);
        }
        catch (ManagedRulesConflictException e)
        {
            return new ChangeResult(ChangeStatus.Conflict, view, e.Message);
        }
        holder.Swap(set, view.Files, document.WithVersion(saved.Version));
        LogChanged(change.Actor, change.Action, change.Kind ?? "document", change.Name ?? "", saved.Version);
        return new ChangeResult(ChangeStatus.Applied, View, null, set.Diagnostics, saved);
    }

    /// <summary>
    /// Takes in the stored managed document when it is newer than the running one (another replica changed the rules):
    /// compiled with this replica's files and swapped in, under the lock changes take. Returns whether the rules changed.
    /// </summary>
    public async Task<bool> ApplyStoredAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await store.LoadAsync(cancellationToken).ConfigureAwait(false) is not { } stored || stored.Version <= holder.Managed.Version) return false;
            var errors = new List<RuleDiagnostic>();
            var managed = ManagedDocument.Parse(stored.Yaml, stored.Version, ManagedDocument.FileName, errors)
                          ?? throw new RulesLoadException("The stored managed rules do not parse.", errors);
            var files = holder.Files;
            var set = holder.Compile(files, managed);
            if (set.HasErrors)
                throw new RulesLoadException($"The stored managed rules (version {stored.Version}) do not compile with this replica's rules files.",
                    set.Diagnostics.Where(d => d.IsError).ToList());
            holder.Swap(set, files, managed);
            LogTakenIn(stored.Version, set.Rules.Count);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>If-Match: absent or <c>*</c> matches; otherwise one of its comma-separated tags (weak prefix ignored) must equal <paramref name="etag"/>.</summary>
    public static bool Matches(string? ifMatch, string etag)
    {
        if (string.IsNullOrWhiteSpace(ifMatch)) return true;
        foreach (var part in ifMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var tag = part.StartsWith("W/", StringComparison.Ordinal) ? part[2..] : part;
            if (tag == "*" || tag == etag) return true;
        }
        return false;
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Rules changed through the API by {Actor}: {Action} {Kind} '{Name}' (managed rules version {Version})")]
    private partial void LogChanged(string actor, string action, string kind, string name, long version);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Rules files reloaded: {Rules} rules from {Files} files")]
    private partial void LogReloaded(int rules, int files);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Error, Message = "Rules reload: {Diagnostic}")]
    private partial void LogReloadError(string diagnostic);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Error, Message = "The changed rules files do not compile; the running set ({Rules} rules) stays")]
    private partial void LogReloadRefused(int rules);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Information, Message = "Managed rules version {Version}, stored by another replica, taken in: {Rules} rules")]
    private partial void LogTakenIn(long version, int rules);
}
