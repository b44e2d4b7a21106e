using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace FalcoHook.Tests.Support.Kafka;

/// <summary>
/// Reads the Kafka protocol's primitive types (kafka.apache.org/protocol, "Protocol Primitive Types"): big-endian
/// integers, <c>STRING</c> and <c>NULLABLE_STRING</c> (INT16 length, -1 for null), <c>BYTES</c> (INT32 length),
/// <c>ARRAY</c> (INT32 count, -1 for null), and the record format's zigzag <c>VARINT</c>/<c>VARLONG</c>. Reading past
/// the end throws <see cref="KafkaWireException"/>: a malformed request.
/// </summary>
internal sealed class KafkaReader(ReadOnlyMemory<byte> data)
{
    private int _position;

    public int Remaining => data.Length - _position;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining) throw new KafkaWireException($"needs {count} bytes at {_position}, {Remaining} left");
        var span = data.Span.Slice(_position, count);
        _position += count;
        return span;
    }

    public ReadOnlyMemory<byte> TakeMemory(int count)
    {
        if (count < 0 || count > Remaining) throw new KafkaWireException($"needs {count} bytes at {_position}, {Remaining} left");
        var memory = data.Slice(_position, count);
        _position += count;
        return memory;
    }

    public sbyte Int8() => (sbyte)Take(1)[0];
    public short Int16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));
    public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));
    public uint UInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));
    public long Int64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public string String() => NullableString() ?? throw new KafkaWireException("a STRING is null");

    public string? NullableString()
    {
        var length = Int16();
        return length < 0 ? null : Encoding.UTF8.GetString(Take(length));
    }

    /// <summary><c>NULLABLE_BYTES</c>/<c>RECORDS</c>: INT32 length, -1 for null.</summary>
    public ReadOnlyMemory<byte>? NullableBytes()
    {
        var length = Int32();
        return length < 0 ? null : TakeMemory(length);
    }

    /// <summary>An <c>ARRAY</c> of <paramref name="item"/>; null gives an empty list.</summary>
    public List<T> Array<T>(Func<KafkaReader, T> item)
    {
        var count = Int32();
        if (count > Remaining) throw new KafkaWireException($"an array of {count} items in {Remaining} bytes");
        var items = new List<T>(Math.Max(count, 0));
        for (var i = 0; i < count; i++) items.Add(item(this));
        return items;
    }

    /// <summary>An unsigned varint (the flexible versions' lengths and tagged fields).</summary>
    public ulong UnsignedVarLong()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Take(1)[0];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new KafkaWireException("a varint longer than 10 bytes");
    }

    /// <summary>A zigzag <c>VARINT</c> as the record format writes lengths and deltas.</summary>
    public int VarInt()
    {
        var raw = UnsignedVarLong();
        if (raw > uint.MaxValue) throw new KafkaWireException("a VARINT beyond 32 bits");
        return (int)((uint)raw >> 1) ^ -(int)((uint)raw & 1);
    }

    public long VarLong()
    {
        var raw = UnsignedVarLong();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>A record's key, value or header value: a VARINT length (-1 for null), then the bytes.</summary>
    public byte[]? VarBytes()
    {
        var length = VarInt();
        return length < 0 ? null : Take(length).ToArray();
    }

    /// <summary>Skips a flexible version's tagged fields: a count, then (tag, size, bytes) for each.</summary>
    public void SkipTaggedFields()
    {
        var count = UnsignedVarLong();
        for (ulong i = 0; i < count; i++)
        {
            UnsignedVarLong();
            Take(checked((int)UnsignedVarLong()));
        }
    }
}

/// <summary>Writes the protocol's big-endian primitives into a growing buffer.</summary>
internal sealed class KafkaWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public KafkaWriter Int8(sbyte value)
    {
        _buffer.GetSpan(1)[0] = (byte)value;
        _buffer.Advance(1);
        return this;
    }

    public KafkaWriter Int16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_buffer.GetSpan(2), value);
        _buffer.Advance(2);
        return this;
    }

    public KafkaWriter Int32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public KafkaWriter Int64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    public KafkaWriter Bool(bool value) => Int8(value ? (sbyte)1 : (sbyte)0);

    public KafkaWriter String(string? value)
    {
        if (value is null) return Int16(-1);
        var bytes = Encoding.UTF8.GetBytes(value);
        Int16(checked((short)bytes.Length));
        _buffer.Write(bytes);
        return this;
    }

    public KafkaWriter Array<T>(IReadOnlyCollection<T> items, Action<KafkaWriter, T> item)
    {
        Int32(items.Count);
        foreach (var value in items) item(this, value);
        return this;
    }
}

/// <summary>A request that does not follow the protocol's encoding.</summary>
internal sealed class KafkaWireException(string message) : Exception(message);
