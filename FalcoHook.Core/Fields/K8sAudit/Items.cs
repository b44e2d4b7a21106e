using System.Text;
using System.Text.Json;
using FalcoHook.Core.K8sAudit;

namespace FalcoHook.Core.Fields.K8sAudit;

/// <summary>Collects what one array item (a container, a volume, a rule…) contributes to a field.</summary>
/// <param name="item">The array item.</param>
/// <param name="parent">The object that holds the array (for containers: the pod spec, for pod-level defaults).</param>
internal delegate void ItemCollector(JsonElement item, JsonElement parent, List<string> into);

/// <summary>Fields over the items of an array (<c>requestObject.spec.containers</c>…), with an optional index argument.</summary>
internal static class Items
{
    /// <summary>
    /// Every item's values, or with <paramref name="index"/> only that item's (out of range: missing). When
    /// <paramref name="onePerItem"/> and an index is given the field is a single value, else a list.
    /// </summary>
    public static Func<AuditEvent, FieldValue> Over(JsonPath parentPath, string arrayName, int? index, bool onePerItem, ItemCollector collect)
    {
        var name = Encoding.UTF8.GetBytes(arrayName);
        if (index is { } i)
        {
            return evt =>
            {
                if (!parentPath.TryGet(evt.Element, out var parent) || !Values.TryGetArray(parent, name, out var array)
                    || i >= array.GetArrayLength())
                    return FieldValue.Missing;
                var values = Values.Scratch();
                collect(array[i], parent, values);
                return onePerItem ? Values.ToSingle(values) : Values.ToList(values);
            };
        }
        return evt =>
        {
            if (!parentPath.TryGet(evt.Element, out var parent) || !Values.TryGetArray(parent, name, out var array))
                return FieldValue.Missing;
            var values = Values.Scratch();
            foreach (var item in array.EnumerateArray()) collect(item, parent, values);
            return Values.ToList(values);
        };
    }

    /// <summary>True when the field is list-valued for this argument (see <see cref="Over"/>).</summary>
    public static bool IsList(int? index, bool onePerItem) => index is null || !onePerItem;

    /// <summary>The item itself as text (a port, a subject, an IP).</summary>
    public static readonly ItemCollector Self = static (item, _, into) => into.Add(JsonText.Of(item));

    /// <summary>A property of the item, when present.</summary>
    public static ItemCollector Property(params string[] path)
    {
        var p = new JsonPath(path);
        return (item, _, into) => { if (p.TryGet(item, out var v)) into.Add(JsonText.Of(v)); };
    }

    /// <summary>Each element of an array property of the item (command, args, capabilities).</summary>
    public static ItemCollector Elements(params string[] path)
    {
        var p = new JsonPath(path);
        return (item, _, into) => { if (p.TryGet(item, out var v)) Values.AddElements(v, into); };
    }
}
