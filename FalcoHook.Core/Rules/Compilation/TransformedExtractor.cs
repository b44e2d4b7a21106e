using System.Globalization;
using System.Text;
using FalcoHook.Core.Fields;

namespace FalcoHook.Core.Rules.Compilation;

/// <summary>
/// A field seen through a transformer: <c>tolower</c>, <c>toupper</c>, <c>b64</c> (decode; invalid input
/// gives no value), <c>basename</c>, <c>len</c> (string length, or the number of values of a list field).
/// </summary>
internal sealed class TransformedExtractor(IFieldExtractor inner, string transformer) : IFieldExtractor
{
    public bool IsList => transformer != "len" && inner.IsList;

    public FieldValue Extract(object evt)
    {
        var value = inner.Extract(evt);
        if (!value.HasValue) return value;
        if (value.List is { } list)
        {
            if (transformer == "len") return FieldValue.Of(list.Length.ToString(CultureInfo.InvariantCulture));
            var result = new string[list.Length];
            for (var i = 0; i < list.Length; i++)
            {
                var transformed = Apply(list[i]);
                if (transformed is null) return FieldValue.Missing;
                result[i] = transformed;
            }
            return FieldValue.OfList(result);
        }
        var single = Apply(value.Single!);
        return single is null ? FieldValue.Missing : FieldValue.Of(single);
    }

    private string? Apply(string value) => transformer switch
    {
        "tolower" => value.ToLowerInvariant(),
        "toupper" => value.ToUpperInvariant(),
        "basename" => value[(value.LastIndexOf('/') + 1)..],
        "len" => value.Length.ToString(CultureInfo.InvariantCulture),
        "b64" => DecodeBase64(value),
        _ => value,
    };

    private static string? DecodeBase64(string value)
    {
        var buffer = new byte[(value.Length * 3 + 3) / 4];
        return Convert.TryFromBase64String(value, buffer, out var written) ? Encoding.UTF8.GetString(buffer, 0, written) : null;
    }
}
