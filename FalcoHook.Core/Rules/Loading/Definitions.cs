using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Rules.Loading;

/// <summary>A list as collected from the files (items before nested lists are flattened).</summary>
public sealed class ListDefinition(string name, List<string> items, SourceLocation location)
{
    public string Name { get; } = name;
    public List<string> Items { get; set; } = items;
    public SourceLocation Location { get; set; } = location;

    /// <summary>Lists with a lower index are visible to this one: those defined before its latest definition or append.</summary>
    public int Visibility { get; set; }
}

public sealed class MacroDefinition(string name, LocatedText condition, SourceLocation location)
{
    public string Name { get; } = name;
    public LocatedText Condition { get; set; } = condition;
    public SourceLocation Location { get; set; } = location;

    /// <summary>Macros with a lower index are visible to this one: those defined before its latest definition or append.</summary>
    public int Visibility { get; set; }
}

public sealed class RuleDefinition(string name, SourceLocation location)
{
    public string Name { get; } = name;
    public SourceLocation Location { get; set; } = location;
    public string Description { get; set; } = "";
    public LocatedText Condition { get; set; } = LocatedText.Generated("", null);
    public LocatedText Output { get; set; } = LocatedText.Generated("", null);
    public Priority Priority { get; set; } = Priority.Debug;
    public string Source { get; set; } = "syscall";
    public bool Enabled { get; set; } = true;
    public List<string> Tags { get; set; } = [];
    public List<ExceptionDefinition> Exceptions { get; set; } = [];
    public bool WarnEvttypes { get; set; } = true;
    public bool SkipIfUnknownFilter { get; set; }
    public bool Capture { get; set; }
    public int CaptureDuration { get; set; }
}

/// <summary>
/// One exception of a rule. <see cref="FieldsIsList"/> selects the form: a list of fields with tuples of
/// values, or a single field with a flat list of values.
/// </summary>
public sealed class ExceptionDefinition(string name, SourceLocation location)
{
    public string Name { get; } = name;
    public SourceLocation Location { get; set; } = location;
    public bool FieldsIsList { get; set; }
    public List<string> Fields { get; set; } = [];
    public List<string> Comps { get; set; } = [];
    public List<ExceptionValue> Values { get; set; } = [];

    /// <summary>Whether the item spelled out <c>fields</c> or <c>comps</c> (an append may only add values).</summary>
    public bool DeclaresShape { get; set; }
}

/// <summary>A value of an exception: a scalar, or a list (a tuple, or a list for <c>in</c>/<c>pmatch</c>).</summary>
public sealed class ExceptionValue
{
    public string? Scalar { get; init; }
    public List<ExceptionValue>? Items { get; init; }
    public bool IsList => Items is not null;
}

/// <summary>Named items kept in definition order; a redefinition replaces the item in place.</summary>
public sealed class OrderedDefinitions<T> where T : class
{
    private readonly List<T> _items = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public IReadOnlyList<T> Items => _items;
    public int Count => _items.Count;

    public T? Find(string name) => _index.TryGetValue(name, out var i) ? _items[i] : null;
    public int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;

    public void Set(string name, T item)
    {
        if (_index.TryGetValue(name, out var i)) _items[i] = item;
        else
        {
            _index[name] = _items.Count;
            _items.Add(item);
        }
    }
}

/// <summary>Everything collected from a sequence of rules files, after append/override were applied.</summary>
public sealed class RuleDefinitions
{
    public OrderedDefinitions<ListDefinition> Lists { get; } = new();
    public OrderedDefinitions<MacroDefinition> Macros { get; } = new();
    public OrderedDefinitions<RuleDefinition> Rules { get; } = new();
    public List<RuleDiagnostic> Diagnostics { get; } = [];

    /// <summary>The files read, in load order (diagnostics are reported in this order).</summary>
    public List<string> Files { get; } = [];
}
