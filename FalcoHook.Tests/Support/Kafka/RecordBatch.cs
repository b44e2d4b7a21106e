using System.IO.Compression;
using System.Numerics;
using System.Text;

namespace FalcoHook.Tests.Support.Kafka;

/// <summary>One record of a batch: its key, value and headers as the producer wrote them.</summary>
internal sealed record KafkaRecord(int OffsetDelta, long TimestampDelta, byte[]? Key, byte[]? Value, IReadOnlyList<KeyValuePair<string, byte[]?>> Headers)
{
    public string? KeyText => Key is null ? null : Encoding.UTF8.GetString(Key);

    public string? ValueText => Value is null ? null : Encoding.UTF8.GetString(Value);

    /// <summary>The value of the header <paramref name="name"/> as text (the last one when repeated), or null.</summary>
    public string? Header(string name) =>
        Headers.LastOrDefault(h => h.Key == name) is { Key: not null, Value: { } value } ? Encoding.UTF8.GetString(value) : null;
}

/// <summary>
/// A decoded RecordBatch, message format v2 (kafka.apache.org/documentation/#recordbatch): <c>baseOffset</c> INT64,
/// <c>batchLength</c> INT32, <c>partitionLeaderEpoch</c> INT32, <c>magic</c> INT8 = 2, <c>crc</c> UINT32 (CRC-32C of
/// everything from <c>attributes</c> to the end), <c>attributes</c> INT16 (bits 0–2 compression: 0 none, 1 gzip, 2
/// snappy, 3 lz4, 4 zstd; bit 3 timestamp type; bit 4 transactional; bit 5 control), <c>lastOffsetDelta</c> INT32,
/// <c>baseTimestamp</c> and <c>maxTimestamp</c> INT64, <c>producerId</c> INT64, <c>producerEpoch</c> INT16,
/// <c>baseSequence</c> INT32, then an INT32 count of records (compressed together after the count when the batch is).
/// Each record: <c>length</c> VARINT, <c>attributes</c> INT8, <c>timestampDelta</c> VARLONG, <c>offsetDelta</c> VARINT,
/// key and value (VARINT length, -1 for null), a VARINT count of headers, each a VARINT-length UTF-8 key and a
/// VARINT-length value.
/// </summary>
internal sealed record RecordBatch(short Attributes, int LastOffsetDelta, long BaseTimestamp, long ProducerId, short ProducerEpoch,
    int BaseSequence, IReadOnlyList<KafkaRecord> Records)
{
    public int Compression => Attributes & 0x07;

    public bool Transactional => (Attributes & 0x10) != 0;

    public bool Control => (Attributes & 0x20) != 0;

    /// <summary>The batches of one partition's <c>records</c> field; a broken batch throws <see cref="KafkaWireException"/> with what is wrong.</summary>
    public static List<RecordBatch> ReadAll(ReadOnlyMemory<byte> records)
    {
        var batches = new List<RecordBatch>();
        var reader = new KafkaReader(records);
        while (reader.Remaining > 0) batches.Add(Read(reader));
        return batches;
    }

    private static RecordBatch Read(KafkaReader reader)
    {
        reader.Int64(); // baseOffset: the broker assigns offsets
        var length = reader.Int32();
        if (length < 49) throw new KafkaWireException($"batchLength {length} is shorter than a v2 batch header");
        var batch = new KafkaReader(reader.TakeMemory(length));
        batch.Int32(); // partitionLeaderEpoch
        var magic = batch.Int8();
        if (magic != 2) throw new KafkaWireException($"magic {magic}, not 2");
        var crc = batch.UInt32();
        var checkedPart = batch.TakeMemory(batch.Remaining);
        if (Crc32C(checkedPart.Span) != crc) throw new KafkaWireException($"CRC-32C mismatch (batch says {crc:x8}, bytes give {Crc32C(checkedPart.Span):x8})");
        var body = new KafkaReader(checkedPart);
        var attributes = body.Int16();
        var lastOffsetDelta = body.Int32();
        var baseTimestamp = body.Int64();
        body.Int64(); // maxTimestamp
        var producerId = body.Int64();
        var producerEpoch = body.Int16();
        var baseSequence = body.Int32();
        var count = body.Int32();
        var recordBytes = (attributes & 0x07) switch
        {
            0 => body.TakeMemory(body.Remaining),
            1 => Gunzip(body.TakeMemory(body.Remaining)),
            var other => throw new KafkaWireException($"compression {other} is not decoded by this fake"),
        };
        var recordReader = new KafkaReader(recordBytes);
        var records = new List<KafkaRecord>(count);
        for (var i = 0; i < count; i++) records.Add(ReadRecord(recordReader));
        if (recordReader.Remaining != 0) throw new KafkaWireException($"{recordReader.Remaining} bytes after the batch's {count} records");
        if (count > 0 && records[^1].OffsetDelta != lastOffsetDelta) throw new KafkaWireException($"lastOffsetDelta {lastOffsetDelta}, last record's {records[^1].OffsetDelta}");
        return new RecordBatch(attributes, lastOffsetDelta, baseTimestamp, producerId, producerEpoch, baseSequence, records);
    }

    private static KafkaRecord ReadRecord(KafkaReader reader)
    {
        var length = reader.VarInt();
        var record = new KafkaReader(reader.TakeMemory(length));
        record.Int8(); // attributes: unused
        var timestampDelta = record.VarLong();
        var offsetDelta = record.VarInt();
        var key = record.VarBytes();
        var value = record.VarBytes();
        var headerCount = record.VarInt();
        var headers = new List<KeyValuePair<string, byte[]?>>();
        for (var i = 0; i < headerCount; i++)
        {
            var name = record.VarBytes() ?? throw new KafkaWireException("a header key is null");
            headers.Add(new(Encoding.UTF8.GetString(name), record.VarBytes()));
        }
        if (record.Remaining != 0) throw new KafkaWireException($"{record.Remaining} bytes after a record's headers");
        return new KafkaRecord(offsetDelta, timestampDelta, key, value, headers);
    }

    private static byte[] Gunzip(ReadOnlyMemory<byte> compressed)
    {
        using var input = new MemoryStream(compressed.ToArray());
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>CRC-32C (Castagnoli), as the v2 batch header carries it.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> bytes)
    {
        var crc = uint.MaxValue;
        foreach (var b in bytes) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
