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
/// list for an event, every rule is evaluated.
/// </remarks>
internal sealed class RuleIndex
{
    /// <summary>At most this many distinct constants are indexed; a source whose rules name more is not indexed.</summary>
    internal const int MaxValues = 10_000;

    private readonly CompiledRule[] _all;
    private readonly int _slot;
    private readonly Dictionary<string, CompiledRule[]> _byValue = new(StringComparer.Ordinal);
    private readonly CompiledRule[] _unconstrained = [];

    public RuleIndex(CompiledRule[] rules)
    {
        _all = rules;
        _slot = -1;
        var requirements = rules.Select(r => Requirements(r.Predicate!)).ToArray();
        var slots = requirements.Where(r => r is not null).SelectMany(r => r!.Keys).Distinct().Order();
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

        _slot = chosen;
        var chosenAllowed = requirements.Select(r => r is not null && r.TryGetValue(chosen, out var set) ? set : null).ToArray();
        _unconstrained = rules.Where((_, i) => chosenAllowed[i] is null).ToArray();
        foreach (var set in chosenAllowed)
            if (set is not null)
                foreach (var value in set)
                    if (!_byValue.ContainsKey(value))
                        _byValue[value] = rules.Where((_, i) => chosenAllowed[i] is not { } s || s.Contains(value)).ToArray();
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

    /// <summary>The slot of the indexed field, or -1 when the rules are not indexed.</summary>
    public int Slot => _slot;

    /// <summary>The rules, in order, that the event in <paramref name="ctx"/> can match.</summary>
    public CompiledRule[] For(EvaluationContext ctx)
    {
        if (_slot < 0) return _all;
        var value = ctx.Get(_slot);
        if (value.Single is { } single) return _byValue.TryGetValue(single, out var rules) ? rules : _unconstrained;
        return value.Count == 0 ? _unconstrained : _all;
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
