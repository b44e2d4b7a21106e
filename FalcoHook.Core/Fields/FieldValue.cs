namespace FalcoHook.Core.Fields;

/// <summary>
/// What one field yields for one event: nothing (the field is absent), one string, or a list of strings.
/// Every field of the sources we evaluate is text (Kubernetes audit fields are strings, alert fields are
/// rendered as their JSON text), so numeric operators parse the text when they compare.
/// </summary>
public readonly struct FieldValue
{
    private readonly object? _value; // null, string, or string[]

    private FieldValue(object? value) => _value = value;

    public static FieldValue Missing => default;
    public static FieldValue Of(string? value) => new(value);
    public static FieldValue OfList(string[] values) => new(values);

    /// <summary>False when the field has no value for this event: every comparison on it is false.</summary>
    public bool HasValue => _value is not null;

    /// <summary>True when the field is list-valued (even an empty list).</summary>
    public bool IsList => _value is string[];

    /// <summary>The single value, or null for lists and missing values.</summary>
    public string? Single => _value as string;

    /// <summary>The list, or null for single and missing values.</summary>
    public string[]? List => _value as string[];

    /// <summary>How many values: 0 when missing, 1 for a single value, the length of a list.</summary>
    public int Count => _value switch { string[] list => list.Length, string => 1, _ => 0 };

    /// <summary>The value at <paramref name="index"/> (0 for a single value).</summary>
    public string this[int index] => _value switch
    {
        string[] list => list[index],
        string s when index == 0 => s,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>As Falco prints a value in an output: <c>&lt;NA&gt;</c> when missing, <c>(a,b)</c> for a list.</summary>
    public override string ToString() => _value switch
    {
        null => "<NA>",
        string s => s,
        string[] list => "(" + string.Join(",", list) + ")",
        _ => "",
    };
}
