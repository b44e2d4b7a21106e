namespace FalcoHook.Core.Destinations;

/// <summary>The registered destination types by name (any case), in registration order.</summary>
public sealed class DestinationTypes
{
    private readonly Dictionary<string, IDestinationType> _byName = new(StringComparer.OrdinalIgnoreCase);

    public DestinationTypes(IEnumerable<IDestinationType> types)
    {
        foreach (var type in types)
            if (!_byName.TryAdd(type.Name, type))
                throw new InvalidOperationException($"Two destination types are named '{type.Name}'.");
        Names = [.. _byName.Keys];
    }

    public IReadOnlyList<string> Names { get; }

    public bool TryGet(string name, out IDestinationType type) => _byName.TryGetValue(name.Trim(), out type!);
}
