using System.Buffers;
using System.Text;
using System.Text.Json;
using CsCheck;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Tests.Properties;

/// <summary>
/// Generators for the property tests: well-formed Unicode text (ASCII, controls, quotes and backslashes, the rest
/// of the BMP without surrogates, and whole surrogate pairs), JSON values of every kind, and Falco times over the
/// whole range a <see cref="FalcoTime"/> can hold.
/// </summary>
internal static class Generators
{
    /// <summary>Each property's sample count: enough to find the usual mistakes, small enough for a few seconds in all.</summary>
    public const int Iterations = 300;

    private static readonly Gen<string> Piece = Gen.Frequency(
        (8, Gen.Char['a', 'z'].Select(c => c.ToString())),
        (3, Gen.Char[' ', '~'].Select(c => c.ToString())),
        (2, Gen.Char["\"\\/<>&'\n\r\t\u0000\u0001\u001f\u007f"].Select(c => c.ToString())),
        (2, Gen.Char['\u0080', '\uD7FF'].Select(c => c.ToString())),
        (1, Gen.Char['\uE000', '\uFFFF'].Select(c => c.ToString())),
        (1, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32)));

    /// <summary>Valid Unicode text of 0 to <paramref name="max"/> pieces (a surrogate pair is one piece).</summary>
    public static Gen<string> Text(int max = 12) => Piece.Array[0, max].Select(string.Concat);

    /// <summary>Text with at least one character that is not white space (what a rule name must be).</summary>
    public static Gen<string> NonBlankText { get; } = Gen.Select(Text(6), Gen.Char['a', 'z'], Text(6), (a, c, b) => a + c + b);

    /// <summary>JSON number text as a sender might write it: integers past 64 bits, signs, fractions, exponents.</summary>
    public static Gen<string> NumberText { get; } = Gen.OneOf(
        Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Select(Gen.Long[-long.MaxValue, long.MaxValue], Gen.Long[0, long.MaxValue], (a, b) => $"{a}{b}"),
        Gen.Select(Gen.Int[-999, 999], Gen.Char["0123456789"].Array[1, 11].Select(d => new string(d)), (i, f) => $"{i}.{f}"),
        Gen.Select(Gen.Int[0, 9], Gen.OneOf("e", "E", "e+", "e-", "E-"), Gen.Int[0, 400], (m, e, x) => $"{m}{e}{x}"),
        Gen.OneOf("0", "-0", "1.0", "1.50", "-0.0e0", "1e308", "4.9e-324", "18446744073709551616"));

    /// <summary>A JSON value of any kind, nested up to <paramref name="depth"/> levels.</summary>
    public static Gen<JsonValue> Json(int depth = 3)
    {
        var scalar = Gen.Frequency(
            (1, Gen.Const<JsonValue>(new JsonValue.Null())),
            (1, Gen.Bool.Select(b => (JsonValue)new JsonValue.Bool(b))),
            (3, NumberText.Select(n => (JsonValue)new JsonValue.Number(n))),
            (3, Text().Select(s => (JsonValue)new JsonValue.String(s))));
        if (depth == 0) return scalar;
        var inner = Json(depth - 1);
        return Gen.Frequency(
            (6, scalar),
            (1, inner.Array[0, 4].Select(items => (JsonValue)new JsonValue.Array(items))),
            (1, Members(inner, 4).Select(members => (JsonValue)new JsonValue.Object(members))));
    }

    /// <summary>Object members with distinct names (a repeated name keeps only its last value, which is no round trip).</summary>
    public static Gen<(string Name, JsonValue Value)[]> Members(Gen<JsonValue> value, int max) =>
        Gen.Select(Text(8), value).Array[0, max].Select(members =>
            members.DistinctBy(m => m.Item1, StringComparer.Ordinal).ToArray());

    /// <summary>Any instant a <see cref="FalcoTime"/> holds, with the range's ends and whole seconds drawn often.</summary>
    public static Gen<FalcoTime> Time { get; } = Gen.Frequency(
        (6, Gen.Long.Select(n => new FalcoTime(n))),
        (2, Gen.Long[-9_223_372_036L, 9_223_372_035L].Select(s => new FalcoTime(s * 1_000_000_000L))),
        (1, Gen.OneOf(long.MinValue, long.MaxValue, 0L, -1L, 1L).Select(n => new FalcoTime(n))));

    /// <summary>Writes JSON the way FalcoHook writes alerts (relaxed escaping, numbers as their text).</summary>
    public static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, FalcoAlert.WriterOptions)) write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>A generated JSON value; <see cref="WriteTo"/> writes it, numbers exactly as their text.</summary>
internal abstract record JsonValue
{
    public abstract void WriteTo(Utf8JsonWriter writer);

    public sealed record Null : JsonValue
    {
        public override void WriteTo(Utf8JsonWriter writer) => writer.WriteNullValue();
    }

    public sealed record Bool(bool Value) : JsonValue
    {
        public override void WriteTo(Utf8JsonWriter writer) => writer.WriteBooleanValue(Value);
    }

    public sealed record Number(string Text) : JsonValue
    {
        public override void WriteTo(Utf8JsonWriter writer) => writer.WriteRawValue(Text);
    }

    public sealed record String(string Value) : JsonValue
    {
        public override void WriteTo(Utf8JsonWriter writer) => writer.WriteStringValue(Value);
    }

    public sealed record Array(JsonValue[] Items) : JsonValue
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            writer.WriteStartArray();
            foreach (var item in Items) item.WriteTo(writer);
            writer.WriteEndArray();
        }
    }

    public sealed record Object((string Name, JsonValue Value)[] Members) : JsonValue
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            foreach (var (name, value) in Members)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
    }
}
