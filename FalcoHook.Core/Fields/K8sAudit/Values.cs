using System.Text.Json;

namespace FalcoHook.Core.Fields.K8sAudit;

/// <summary>Building field values from JSON without per-call collections: a per-thread scratch list, copied once.</summary>
internal static class Values
{
    [ThreadStatic] private static List<string>? t_scratch;

    /// <summary>An empty scratch list for this thread; turn it into a value with <see cref="ToList"/> before the next call.</summary>
    public static List<string> Scratch()
    {
        var list = t_scratch ??= new List<string>(16);
        list.Clear();
        return list;
    }

    /// <summary>A list value, or missing when nothing was collected (as Falco treats an empty extraction).</summary>
    public static FieldValue ToList(List<string> values) =>
        values.Count == 0 ? FieldValue.Missing : FieldValue.OfList(values.ToArray());

    /// <summary>One value: the only one collected, else missing.</summary>
    public static FieldValue ToSingle(List<string> values) =>
        values.Count == 1 ? FieldValue.Of(values[0]) : FieldValue.Missing;

    public static FieldValue Single(JsonElement root, JsonPath path) =>
        path.TryGet(root, out var value) ? FieldValue.Of(JsonText.Of(value)) : FieldValue.Missing;

    /// <summary>Every element of the array at <paramref name="path"/>; missing when absent, not an array or empty.</summary>
    public static FieldValue List(JsonElement root, JsonPath path)
    {
        if (!path.TryGet(root, out var array) || array.ValueKind != JsonValueKind.Array) return FieldValue.Missing;
        var values = Scratch();
        AddElements(array, values);
        return ToList(values);
    }

    /// <summary>Adds each element of <paramref name="array"/> as text; adds nothing when it is not an array.</summary>
    public static void AddElements(JsonElement array, List<string> into)
    {
        if (array.ValueKind != JsonValueKind.Array) return;
        foreach (var item in array.EnumerateArray()) into.Add(JsonText.Of(item));
    }

    /// <summary>Adds the property as text when present.</summary>
    public static void AddProperty(JsonElement obj, ReadOnlySpan<byte> name, List<string> into)
    {
        if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value)) into.Add(JsonText.Of(value));
    }

    public static bool TryGetArray(JsonElement obj, ReadOnlySpan<byte> name, out JsonElement array)
    {
        if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out array) && array.ValueKind == JsonValueKind.Array)
            return true;
        array = default;
        return false;
    }
}
