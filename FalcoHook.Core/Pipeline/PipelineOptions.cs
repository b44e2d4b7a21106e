using FalcoHook.Core.Alerts;
using FalcoHook.Core.Destinations;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// <c>FalcoHook:Pipeline</c>. Lists default to null (not to a filled list) because the configuration binder
/// appends to a list it finds; the effective defaults are applied by the stages and documented per key.
/// </summary>
public sealed class PipelineOptions
{
    public const string Section = "FalcoHook:Pipeline";

    /// <summary><c>FalcoHook:Pipeline:Drop</c>: conditions in Falco syntax over falco_alert fields; a match drops the alert.</summary>
    public List<string> Drop { get; set; } = [];

    public EnrichOptions Enrich { get; set; } = new();
    public FilterOptions Filter { get; set; } = new();
    public SilenceOptions Silences { get; set; } = new();

    /// <summary><c>FalcoHook:Pipeline:Inhibit</c>: inhibition rules (<see cref="Inhibition.InhibitRuleOptions"/>); none by default.</summary>
    public List<Inhibition.InhibitRuleOptions> Inhibit { get; set; } = [];

    public DedupOptions Dedup { get; set; } = new();
    public AggregateOptions Aggregate { get; set; } = new();
}

/// <summary><c>FalcoHook:Pipeline:Enrich</c>.</summary>
public sealed class EnrichOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Fields added to every notification's enrichment (e.g. <c>cluster: prod-eu</c>).</summary>
    public Dictionary<string, string> CustomFields { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Tags added to every alert (kept once; existing tags first).</summary>
    public List<string> Tags { get; set; } = [];
}

/// <summary><c>FalcoHook:Pipeline:Filter</c>. Regexes run with <c>RegexOptions.NonBacktracking</c> and match anywhere (anchor them to match the whole text).</summary>
public sealed class FilterOptions
{
    /// <summary>Alerts less severe are dropped. Default Debug (keep all).</summary>
    public Priority MinimumPriority { get; set; } = Priority.Debug;

    /// <summary>An alert must carry all of these tags (case-insensitive).</summary>
    public List<string> RequiredTags { get; set; } = [];

    /// <summary>An alert carrying any of these tags is dropped (case-insensitive).</summary>
    public List<string> ExcludedTags { get; set; } = [];

    /// <summary>When not empty, the rule name must match one of these regexes.</summary>
    public List<string> IncludeRules { get; set; } = [];

    /// <summary>A rule name matching one of these regexes is dropped.</summary>
    public List<string> ExcludeRules { get; set; } = [];

    /// <summary>When not empty, the output must match one of these regexes.</summary>
    public List<string> IncludeOutputs { get; set; } = [];

    /// <summary>An output matching one of these regexes is dropped.</summary>
    public List<string> ExcludeOutputs { get; set; } = [];

    /// <summary>When not empty, only these sources pass (an alert without a source counts as <c>syscall</c>, as Falcosidekick does).</summary>
    public List<string> Sources { get; set; } = [];
}

/// <summary><c>FalcoHook:Pipeline:Silences</c>.</summary>
public sealed class SilenceOptions
{
    public bool Enabled { get; set; } = true;
}

/// <summary><c>FalcoHook:Pipeline:Dedup</c>.</summary>
public sealed class DedupOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>A repeat arriving before first occurrence + Window is not sent. Default 1 minute.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The output_fields keys the fingerprint covers (besides rule, source and hostname). Null (default): every
    /// output_fields key except per-event ones (<see cref="AlertFields.IsPerEventField"/>).
    /// </summary>
    public List<string>? Fields { get; set; }

    /// <summary>Fingerprints remembered at most; past it a new fingerprint is not tracked (the alert is sent).</summary>
    public int MaxKeys { get; set; } = 100_000;
}

/// <summary><c>FalcoHook:Pipeline:Aggregate</c>.</summary>
public sealed class AggregateOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Length of a group's window, from the group's first alert. Default 1 minute.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Alerts of a group sent one by one per window; the rest go into one summary. Default 20.</summary>
    public int Threshold { get; set; } = 20;

    /// <summary>Fields (falco_alert names) forming the group key. Null (default): falco.rule, falco.hostname, falco.priority.</summary>
    public List<string>? GroupBy { get; set; }

    /// <summary>Distinct values kept per output field in a summary's sample. Default 5.</summary>
    public int SampleValues { get; set; } = 5;

    /// <summary>Open groups at most; past it a new group is not tracked (its alerts are sent one by one).</summary>
    public int MaxGroups { get; set; } = 10_000;

    public static readonly IReadOnlyList<string> DefaultGroupBy = ["falco.rule", "falco.hostname", "falco.priority"];

    public IReadOnlyList<string> EffectiveGroupBy => GroupBy is { Count: > 0 } g ? g : DefaultGroupBy;
}

/// <summary>The destinations the route stage reads: the named map <c>FalcoHook:Destinations</c> (bind this class to <c>FalcoHook</c>).</summary>
public sealed class DestinationRoutingOptions
{
    public Dictionary<string, DestinationOptions> Destinations { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
