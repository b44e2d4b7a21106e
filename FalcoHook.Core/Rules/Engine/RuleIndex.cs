using FalcoHook.Core.Rules.Compilation;

namespace FalcoHook.Core.Rules.Engine;

/// <summary>
/// The rules of one source that can match an event, found by the value of one field (as Falco indexes syscall
/// rules by event type). A rule whose condition cannot be true unless that field equals one of a few constants
/// (<c>ka.verb=create</c>, <c>evt.type in (open, openat)</c>, at the top of the condition or in every branch of an
/// <c>or</c>) is only evaluated for events with one of those values; every other rule is evaluated for every event.
/// Rules keep their order, so the first match and the order of all matches are what evaluating every rule gives.
/// </summary>
/// <remarks>
/// The field is the one that leaves the fewest rules per event (averaged over the constants the rules name). Skipping is exact: for an event whose value is missing or not one of
/// a rule's constants, an <c>=</c> or <c>in</c> on that field is false, and so is the rule. When the field yields a
/// list for an event, every rule is evaluated. The rules left for a value (and those left for any other value) are
/// indexed again by another field, up to <see cref="MaxLevels"/> fields: the upstream audit rules by
/// <c>ka.target.resource</c>, then by fields such as <c>ka.verb</c> and <c>ka.user.name</c>, so a routine <c>get</c> of
/// pods is evaluated against the two or three rules that can match it rather than every rule about pods.
/// </remarks>
internal sealed class RuleIndex
{
    /// <summary>At most this many distinct constants are indexed; a source whose rules name more is not indexed.</summary>
    internal const int MaxValues = 10_000;

    /// <summary>At most this many fields are indexed one within another.</summary>
    internal const int MaxLevels = 4;

    private static readonly Dictionary<string, RuleIndex> NoValues = new(StringComparer.Ordinal);

    private readonly CompiledRule[] _all;
    private readonly int _slot = -1;
    private readonly Dictionary<string, RuleIndex> _byValue = NoValues;
    private readonly RuleIndex? _unconstrained;

    public RuleIndex(CompiledRule[] rules)
        : this(rules, rules.Select(r => Requirements(r.Predicate!)).ToArray(), [], new Budget())
    {
    }

    /// <summary>
    /// Indexes <paramref name="rules"/> (with their <paramref name="requirements"/>) by the best field not in
    /// <paramref name="used"/>; <paramref name="budget"/> bounds the values indexed at every level together.
    /// </summary>
    private RuleIndex(CompiledRule[] rules, Dictionary<int, HashSet<string>>?[] requirements, int[] used, Budget budget)
    {
        _all = rules;
        if (used.Length == MaxLevels) return;
        var slots = requirements.Where(r => r is not null).SelectMany(r => r!.Keys).Distinct().Except(used).Order();
        int? best = null;
        var bestCost = (double)rules.Length;
        foreach (var slot in slots)
        {
            var allowed = requirements.Select(r => r is not null && r.TryGetValue(slot, out var set) ? set : null).ToArray();
            var values = new HashSet<string>(StringComparer.Ordinal);
            foreach (var set in allowed) if (set is not null) values.UnionWith(set);
            if (values.Count > MaxValues) continue;
            var cost = Cost(allowed, values);
            if (cost < bestCost) (best, bestCost) = (slot, cost);
        }
        if (best is not { } chosen) return;
        var chosenAllowed = requirements.Select(r => r is not null && r.TryGetValue(chosen, out var set) ? set : null).ToArray();
        var chosenValues = chosenAllowed.Where(s => s is not null).SelectMany(s => s!).Distinct(StringComparer.Ordinal).ToArray();
        if (!budget.TryTake(chosenValues.Length)) return;

        _slot = chosen;
        int[] deeper = [.. used, chosen];
        _unconstrained = Subset(rules, requirements, i => chosenAllowed[i] is null, deeper, budget);
        _byValue = new Dictionary<string, RuleIndex>(StringComparer.Ordinal);
        foreach (var value in chosenValues)
            _byValue[value] = Subset(rules, requirements, i => chosenAllowed[i] is not { } s || s.Contains(value), deeper, budget);
    }

    private static RuleIndex Subset(CompiledRule[] rules, Dictionary<int, HashSet<string>>?[] requirements, Func<int, bool> keep,
        int[] used, Budget budget)
    {
        var kept = Enumerable.Range(0, rules.Length).Where(keep).ToArray();
        return new RuleIndex(kept.Select(i => rules[i]).ToArray(), kept.Select(i => requirements[i]).ToArray(), used, budget);
    }

    /// <summary>How many more constants may be indexed, over every level of one source's index.</summary>
    private sealed class Budget
    {
        private int _left = MaxValues;

        public bool TryTake(int values)
        {
            if (values > _left) return false;
            _left -= values;
            return true;
        }
    }

    /// <summary>
    /// How many rules an event is evaluated against with this field as the index, averaged over the constants the rules
    /// name and one other value (the field chosen is the one with the least).
    /// </summary>
    private static double Cost(HashSet<string>?[] allowed, HashSet<string> values)
    {
        var unconstrained = allowed.Count(a => a is null);
        long total = unconstrained;
        foreach (var value in values) total += unconstrained + allowed.Count(a => a is not null && a.Contains(value));
        return (double)total / (values.Count + 1);
    }

    /// <summary>The slot of the (first) indexed field, or -1 when the rules are not indexed.</summary>
    public int Slot => _slot;

    /// <summary>The rules, in order, that the event in <paramref name="ctx"/> can match.</summary>
    public CompiledRule[] For(EvaluationContext ctx)
    {
        var index = this;
        while (index._slot >= 0)
        {
            var value = ctx.Get(index._slot);
            if (value.Single is { } single) index = index._byValue.TryGetValue(single, out var narrower) ? narrower : index._unconstrained!;
            else if (value.Count == 0) index = index._unconstrained!;
            else break;
        }
        return index._all;
    }

    /// <summary>
    /// For each field slot the condition constrains, the constants the field must equal for the condition to be true;
    /// null when it constrains none.
    /// </summary>
    internal static Dictionary<int, HashSet<string>>? Requirements(Node node)
    {
        switch (node)
        {
            case SetNode set:
                return new() { [set.Slot] = set.Set };
            case MatchNode { Matcher: EqualsMatcher equals } match:
                return new() { [match.Slot] = new HashSet<string>([equals.Value], StringComparer.Ordinal) };
            case AndNode and:
            {
                Dictionary<int, HashSet<string>>? all = null;
                foreach (var child in and.Children)
                {
                    if (Requirements(child) is not { } required) continue;
                    all ??= [];
                    foreach (var (slot, set) in required)
                        all[slot] = all.TryGetValue(slot, out var before) ? Intersect(before, set) : set;
                }
                return all;
            }
            case OrNode or:
            {
                Dictionary<int, HashSet<string>>? any = null;
                foreach (var child in or.Children)
                {
                    if (Requirements(child) is not { } required) return null;
                    if (any is null)
                    {
                        any = required;
                        continue;
                    }
                    var union = new Dictionary<int, HashSet<string>>();
                    foreach (var (slot, set) in any)
                        if (required.TryGetValue(slot, out var other)) union[slot] = new HashSet<string>(set.Concat(other), StringComparer.Ordinal);
                    if (union.Count == 0) return null;
                    any = union;
                }
                return any;
            }
            default:
                return null;
        }
    }

    private static HashSet<string> Intersect(HashSet<string> a, HashSet<string> b)
    {
        var both = new HashSet<string>(a, StringComparer.Ordinal);
        both.IntersectWith(b);
        return both;
    }
}
