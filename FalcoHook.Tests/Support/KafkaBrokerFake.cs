using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using FalcoHook.Tests.Support.Kafka;

namespace FalcoHook.Tests.Support;

/// <summary>
/// A one-broker Kafka cluster on a free loopback port that speaks the wire protocol as kafka.apache.org/protocol
/// documents it: INT32 size-prefixed requests, request header v1 (<c>api_key</c>, <c>api_version</c>,
/// <c>correlation_id</c>, nullable <c>client_id</c>) or v2 (plus tagged fields) for a flexible version, response
/// header v0. It answers ApiVersions (v0–2; a higher version gets the v0 answer with UNSUPPORTED_VERSION and the
/// supported ranges, as brokers do), Metadata v0–1 (itself as broker 1 and leader of every partition of its one
/// topic), InitProducerId v0–1 (a new producer id, epoch 0) and Produce v0–3. Anything else is a violation and closes
/// the connection.
/// <para>
/// A Produce must come from an idempotent <c>acks=all</c> producer: <c>acks</c> = -1, v3 with RecordBatch v2 (CRC-32C
/// checked, no compression or gzip), a producer id InitProducerId issued, sequences contiguous per partition
/// (<see cref="KafkaPartitionLogs"/>). Every stored record is kept, with its offset, producer id and sequence; a
/// retried batch (same producer, epoch and sequences) is recognised and not stored twice, and a delivery id header
/// stored twice is listed in <see cref="DuplicateDeliveryIds"/>. Its state (records, producers) outlives
/// <see cref="Stop"/> and <see cref="StartAgain"/>, as a broker's log outlives a restart.
/// </para>
/// </summary>
internal sealed class KafkaBrokerFake : IAsyncDisposable
{
    private const int NodeId = 1;
    private readonly object _lock = new();
    private readonly KafkaPartitionLogs _logs;
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentQueue<(short Key, short Version)> _requests = new();
    private readonly ConcurrentQueue<short> _acks = new();
    private readonly ConcurrentQueue<int> _compressions = new();
    private readonly ConcurrentDictionary<Socket, Task> _connections = new();
    private readonly Dictionary<int, short> _refusedPartitions = [];
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;
    private int _failProduces;
    private short _failProduceError;
    private int _loseResponses;

    public KafkaBrokerFake(string topic = "falco", int partitions = 3, string deliveryIdHeader = "falcohook-delivery-id")
    {
        Topic = topic;
        DeliveryIdHeader = deliveryIdHeader;
        _logs = new KafkaPartitionLogs(partitions);
        Port = LocalPorts.Free();
        StartAgain();
    }

    public string Topic { get; }

    public string DeliveryIdHeader { get; }

    public int Port { get; }

    public string BootstrapServers => $"127.0.0.1:{Port}";

    /// <summary>Every stored record, by partition and offset.</summary>
    public IReadOnlyList<KafkaStoredRecord> Records
    {
        get
        {
            lock (_lock) return _logs.Records.ToList();
        }
    }

    /// <summary>What broke the protocol or the idempotent producer's rules; a correct producer leaves it empty.</summary>
    public IReadOnlyList<string> Violations => _violations.ToList();

    /// <summary>Each request's API key and version, in arrival order.</summary>
    public IReadOnlyList<(short Key, short Version)> Requests => _requests.ToList();

    public int ProduceRequests => _requests.Count(r => r.Key == KafkaApis.Produce);

    /// <summary>The <c>acks</c> of every Produce.</summary>
    public IReadOnlyList<short> Acks => _acks.ToList();

    /// <summary>The compression attribute (0 none, 1 gzip) of every well-formed batch received.</summary>
    public IReadOnlyList<int> Compressions => _compressions.ToList();

    /// <summary>Batches that repeated a stored batch's producer and sequences: the producer's own retries, stored once.</summary>
    public int RetriesAbsorbed
    {
        get
        {
            lock (_lock) return _logs.RetriesAbsorbed;
        }
    }

    /// <summary>Delivery ids (the <see cref="DeliveryIdHeader"/> header) that are in more than one stored record.</summary>
    public IReadOnlyList<string> DuplicateDeliveryIds =>
        Records.GroupBy(r => r.Record.Header(DeliveryIdHeader) ?? "").Where(g => g.Key.Length > 0 && g.Count() > 1).Select(g => g.Key).ToList();

    /// <summary>The next <paramref name="requests"/> Produce requests are answered with <paramref name="error"/> for every partition and nothing is stored.</summary>
    public void FailProduces(short error, int requests)
    {
        lock (_lock)
        {
            _failProduceError = error;
            _failProduces = requests;
        }
    }

    /// <summary>Every batch for <paramref name="partition"/> is answered with <paramref name="error"/> (null: accepted again).</summary>
    public void RefusePartition(int partition, short? error)
    {
        lock (_lock)
        {
            if (error is { } code) _refusedPartitions[partition] = code;
            else _refusedPartitions.Remove(partition);
        }
    }

    /// <summary>The next Produce is stored, then its connection closes before the answer: the producer cannot know it was stored.</summary>
    public void LoseNextProduceResponse() => Interlocked.Exchange(ref _loseResponses, 1);

    /// <summary>Stops listening and closes every connection (a broker going down); the stored records stay.</summary>
    public async Task StopAsync()
    {
        var listener = Interlocked.Exchange(ref _listener, null);
        listener?.Stop();
        await _accepting.ConfigureAwait(false);
        foreach (var socket in _connections.Keys) socket.Close();
        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
    }

    /// <summary>Listens again on the same port.</summary>
    public void StartAgain()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _listener = listener;
        _accepting = Task.Run(() => AcceptAsync(listener));
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            socket.NoDelay = true;
            _connections[socket] = Task.Run(async () =>
            {
                await ServeAsync(socket).ConfigureAwait(false);
                _connections.TryRemove(socket, out _);
            });
        }
    }

    /// <summary>Reads requests one after the other and answers each in order, until the peer or <see cref="StopAsync"/> closes the connection.</summary>
    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var size = new byte[4];
        try
        {
            while (true)
            {
                await stream.ReadExactlyAsync(size).ConfigureAwait(false);
                var length = BinaryPrimitives.ReadInt32BigEndian(size);
                if (length is < 8 or > 100 * 1024 * 1024)
                {
                    _violations.Enqueue($"a request of {length} bytes");
                    return;
                }
                var request = new byte[length];
                await stream.ReadExactlyAsync(request).ConfigureAwait(false);
                var response = Handle(request);
                if (response is null) return;
                var framed = new byte[4 + response.Length];
                BinaryPrimitives.WriteInt32BigEndian(framed, response.Length);
                response.CopyTo(framed, 4);
                await stream.WriteAsync(framed).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or EndOfStreamException)
        {
            // The peer or StopAsync closed the connection.
        }
    }

    /// <summary>One request's response (response header v0 and body), or null to close the connection.</summary>
    private byte[]? Handle(byte[] request)
    {
        var reader = new KafkaReader(request);
        try
        {
            var key = reader.Int16();
            var version = reader.Int16();
            var correlationId = reader.Int32();
            reader.NullableString(); // client_id
            _requests.Enqueue((key, version));
            var flexible = key == KafkaApis.ApiVersions && version >= 3;
            if (flexible) reader.SkipTaggedFields(); // request header v2
            var writer = new KafkaWriter().Int32(correlationId);
            if (key == KafkaApis.ApiVersions) return ApiVersions(writer, version);
            if (!KafkaApis.Supports(key, version) || key == KafkaApis.Fetch)
            {
                _violations.Enqueue($"API key {key} version {version} was not advertised or is not served");
                return null;
            }
            return key switch
            {
                KafkaApis.Metadata => Metadata(reader, writer, version),
                KafkaApis.InitProducerId => InitProducerId(reader, writer),
                _ => Produce(reader, writer, version),
            };
        }
        catch (KafkaWireException e)
        {
            _violations.Enqueue("malformed request: " + e.Message);
            return null;
        }
    }

    /// <summary>v0: error, [api_key, min, max]; v1–2 add throttle_time_ms. A version above 2 gets the v0 body with UNSUPPORTED_VERSION.</summary>
    private static byte[] ApiVersions(KafkaWriter writer, short version)
    {
        var supported = version <= 2;
        writer.Int16(supported ? KafkaErrors.None : KafkaErrors.UnsupportedVersion)
            .Array(KafkaApis.Advertised, (w, api) => w.Int16(api.Key).Int16(api.Min).Int16(api.Max));
        if (supported && version >= 1) writer.Int32(0);
        return writer.Written.ToArray();
    }

    /// <summary>Request: [topic name] (v1: null for all). Response: brokers [node_id, host, port, rack (v1)], controller_id (v1), topics [error, name, is_internal (v1), partitions [error, index, leader, replicas, isr]].</summary>
    private byte[] Metadata(KafkaReader reader, KafkaWriter writer, short version)
    {
        var count = reader.Int32();
        var requested = new List<string>();
        for (var i = 0; i < count; i++) requested.Add(reader.String());
        var topics = count <= 0 ? [Topic] : requested;
        writer.Array([NodeId], (w, node) =>
        {
            w.Int32(node).String("127.0.0.1").Int32(Port);
            if (version >= 1) w.String(null);
        });
        if (version >= 1) writer.Int32(NodeId);
        writer.Array(topics, (w, name) =>
        {
            var known = name == Topic;
            w.Int16(known ? KafkaErrors.None : KafkaErrors.UnknownTopicOrPartition).String(name);
            if (version >= 1) w.Bool(false);
            w.Array(known ? Enumerable.Range(0, _logs.Partitions).ToList() : [], (p, index) =>
                p.Int16(KafkaErrors.None).Int32(index).Int32(NodeId).Array([NodeId], (r, n) => r.Int32(n)).Array([NodeId], (r, n) => r.Int32(n)));
        });
        return writer.Written.ToArray();
    }

    /// <summary>Request: transactional_id, transaction_timeout_ms. Response: throttle_time_ms, error, producer_id, producer_epoch.</summary>
    private byte[] InitProducerId(KafkaReader reader, KafkaWriter writer)
    {
        if (reader.NullableString() is { } transactionalId) _violations.Enqueue($"a transactional id '{transactionalId}' from an idempotent producer");
        reader.Int32();
        long producerId;
        lock (_lock) producerId = _logs.NewProducerId();
        return writer.Int32(0).Int16(KafkaErrors.None).Int64(producerId).Int16(0).Written.ToArray();
    }

    /// <summary>
    /// Request v3: transactional_id, acks, timeout_ms, [name, [index, records]]. Response: [name, [index, error,
    /// base_offset, log_append_time_ms (v2+)]], throttle_time_ms (v1+).
    /// </summary>
    private byte[]? Produce(KafkaReader reader, KafkaWriter writer, short version)
    {
        if (version < 3)
        {
            _violations.Enqueue($"Produce v{version}: an idempotent producer needs v3 (RecordBatch v2)");
            return null;
        }
        if (reader.NullableString() is { } transactionalId) _violations.Enqueue($"a transactional id '{transactionalId}' in Produce");
        var acks = reader.Int16();
        _acks.Enqueue(acks);
        if (acks != -1) _violations.Enqueue($"Produce with acks={acks}, not -1 (all)");
        reader.Int32(); // timeout_ms
        var topics = reader.Array(r => (Name: r.String(), Partitions: r.Array(p => (Index: p.Int32(), Records: p.NullableBytes()))));
        List<(string Name, List<(int Index, short Error, long Offset)> Partitions)> answers;
        lock (_lock)
        {
            var failure = _failProduces > 0 ? _failProduceError : (short?)null;
            if (failure is not null) _failProduces--;
            answers = topics.Select(t => (t.Name, t.Partitions.Select(p => Store(t.Name, p.Index, p.Records, failure)).ToList())).ToList();
        }
        if (Interlocked.Exchange(ref _loseResponses, 0) == 1) return null;
        writer.Array(answers, (w, topic) => w.String(topic.Name).Array(topic.Partitions, (p, answer) =>
        {
            p.Int32(answer.Index).Int16(answer.Error).Int64(answer.Offset);
            if (version >= 2) p.Int64(-1);
        }));
        writer.Int32(0);
        return writer.Written.ToArray();
    }

    private (int Index, short Error, long Offset) Store(string topic, int partition, ReadOnlyMemory<byte>? records, short? failure)
    {
        if (failure is { } error) return (partition, error, -1);
        if (topic != Topic || partition < 0 || partition >= _logs.Partitions) return (partition, KafkaErrors.UnknownTopicOrPartition, -1);
        if (_refusedPartitions.TryGetValue(partition, out var refused)) return (partition, refused, -1);
        if (records is not { } bytes) return Violation(partition, KafkaErrors.CorruptMessage, "a partition without records");
        List<RecordBatch> batches;
        try
        {
            batches = RecordBatch.ReadAll(bytes);
        }
        catch (KafkaWireException e)
        {
            return Violation(partition, e.Message.StartsWith("compression", StringComparison.Ordinal) ? KafkaErrors.UnsupportedCompressionType : KafkaErrors.CorruptMessage, e.Message);
        }
        long first = -1;
        foreach (var batch in batches)
        {
            _compressions.Enqueue(batch.Compression);
            if (batch.Transactional || batch.Control) return Violation(partition, KafkaErrors.CorruptMessage, "a transactional or control batch");
            var (code, offset, violation) = _logs.Append(partition, batch);
            if (violation is not null) return Violation(partition, code, violation);
            if (first < 0) first = offset;
        }
        return (partition, KafkaErrors.None, first);
    }

    private (int Index, short Error, long Offset) Violation(int partition, short error, string what)
    {
        _violations.Enqueue(what);
        return (partition, error, -1);
    }
}
