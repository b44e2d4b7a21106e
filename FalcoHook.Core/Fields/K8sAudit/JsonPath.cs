using System.Text;
using System.Text.Json;

namespace FalcoHook.Core.Fields.K8sAudit;

/// <summary>A fixed chain of property names (<c>objectRef.name</c>), encoded once so lookups compare UTF-8 bytes.</summary>
internal sealed class JsonPath
{
    private readonly byte[][] _names;

    public JsonPath(params string[] names)
    {
        _names = new byte[names.Length][];
        for (var i = 0; i < names.Length; i++) _names[i] = Encoding.UTF8.GetBytes(names[i]);
        Text = string.Join('.', names);
    }

    public string Text { get; }

    /// <summary>Follows the path through objects; false when a step is absent or not an object.</summary>
    public bool TryGet(JsonElement from, out JsonElement value)
    {
        value = from;
        foreach (var name in _names)
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value)) return false;
        }
        return true;
    }

    public override string ToString() => Text;
}
