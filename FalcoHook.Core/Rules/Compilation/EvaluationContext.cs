using FalcoHook.Core.Fields;

namespace FalcoHook.Core.Rules.Compilation;

/// <summary>
/// The fields of one compiled program (a rule set's source, or a standalone condition), each resolved once
/// into a slot. Conditions refer to slots by index.
/// </summary>
internal sealed class SlotTable(IFieldProvider provider)
{
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly List<IFieldExtractor> _extractors = [];

    public IFieldProvider Provider { get; } = provider;
    public IFieldExtractor[] Extractors => [.. _extractors];
    public int Count => _extractors.Count;

    public int GetOrAdd(string key, IFieldExtractor extractor)
    {
        if (_slots.TryGetValue(key, out var slot)) return slot;
        slot = _extractors.Count;
        _extractors.Add(extractor);
        _slots[key] = slot;
        return slot;
    }

    public bool TryGet(string key, out int slot) => _slots.TryGetValue(key, out slot);
    public IFieldExtractor Extractor(int slot) => _extractors[slot];
}

/// <summary>
/// Per-event evaluation state: values are extracted lazily, at most once per event and field, and kept in
/// slots stamped with the event's generation (so nothing is cleared between events and nothing allocates
/// beyond what the extractors return). One context per thread and program; never shared across threads.
/// </summary>
internal sealed class EvaluationContext
{
    private readonly IFieldExtractor[] _extractors;
    private readonly FieldValue[] _values;
    private readonly int[] _stamps;
    private int _generation;
    private object _event = null!;

    public EvaluationContext(IFieldExtractor[] extractors)
    {
        _extractors = extractors;
        _values = new FieldValue[extractors.Length];
        _stamps = new int[extractors.Length];
    }

    public void Begin(object evt)
    {
        _event = evt;
        if (++_generation == int.MaxValue)
        {
            Array.Clear(_stamps);
            _generation = 1;
        }
    }

    /// <summary>Drops the event reference so a pooled context does not keep it alive.</summary>
    public void End() => _event = null!;

    public FieldValue Get(int slot)
    {
        if (_stamps[slot] != _generation)
        {
            _values[slot] = _extractors[slot].Extract(_event);
            _stamps[slot] = _generation;
        }
        return _values[slot];
    }
}
