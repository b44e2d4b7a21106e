namespace FalcoHook.Tests.Support.Kafka;

/// <summary>A record as the fake stored it: where, at which offset, from which producer and sequence.</summary>
internal sealed record KafkaStoredRecord(int Partition, long Offset, long ProducerId, short ProducerEpoch, int Sequence, KafkaRecord Record);

/// <summary>
/// The topic's partitions as an idempotent broker keeps them: each partition's records, and for each (producer id,
/// partition) the epoch and the last five appended batches' sequence ranges (the broker's producer state). A batch
/// whose sequence range repeats one of them is a retry of a batch already written: answered with its offset and not
/// written again, as a broker does. A sequence that is not the next one, an epoch that goes back, or a producer id no
/// InitProducerId issued is a protocol violation. Not thread-safe: the broker fake calls it under its lock.
/// </summary>
internal sealed class KafkaPartitionLogs(int partitions)
{
    private readonly List<KafkaStoredRecord>[] _logs = Enumerable.Range(0, partitions).Select(_ => new List<KafkaStoredRecord>()).ToArray();
    private readonly Dictionary<(long ProducerId, int Partition), ProducerState> _producers = [];
    private readonly HashSet<long> _issued = [];
    private long _nextProducerId = 1000;

    public int Partitions => _logs.Length;

    public int RetriesAbsorbed { get; private set; }

    public IEnumerable<KafkaStoredRecord> Records => _logs.SelectMany(log => log);

    public long NewProducerId()
    {
        var id = _nextProducerId++;
        _issued.Add(id);
        return id;
    }

    /// <summary>Appends one batch or recognises its retry; answers the error code and the batch's base offset.</summary>
    public (short Error, long BaseOffset, string? Violation) Append(int partition, RecordBatch batch)
    {
        if (!_issued.Contains(batch.ProducerId))
            return (KafkaErrors.UnknownProducerId, -1, $"producer id {batch.ProducerId} was not issued by InitProducerId");
        var count = batch.Records.Count;
        if (count == 0) return (KafkaErrors.CorruptMessage, -1, "an empty batch");
        var lastSequence = batch.BaseSequence + count - 1;
        var key = (batch.ProducerId, partition);
        _producers.TryGetValue(key, out var state);
        if (state is not null && batch.ProducerEpoch < state.Epoch)
            return (KafkaErrors.InvalidProducerEpoch, -1, $"epoch {batch.ProducerEpoch} after {state.Epoch} for producer {batch.ProducerId}");
        if (state is not null && batch.ProducerEpoch == state.Epoch)
        {
            foreach (var earlier in state.Recent)
            {
                if (earlier.First != batch.BaseSequence || earlier.Last != lastSequence) continue;
                RetriesAbsorbed++;
                return (KafkaErrors.None, earlier.Offset, null);
            }
            if (batch.BaseSequence != state.Next)
                return (KafkaErrors.OutOfOrderSequenceNumber, -1,
                    $"partition {partition}: sequence {batch.BaseSequence} where {state.Next} was next (producer {batch.ProducerId})");
        }
        else if (batch.BaseSequence != 0)
        {
            return (KafkaErrors.OutOfOrderSequenceNumber, -1,
                $"partition {partition}: first batch of producer {batch.ProducerId} epoch {batch.ProducerEpoch} starts at sequence {batch.BaseSequence}, not 0");
        }
        if (state is null || batch.ProducerEpoch != state.Epoch) _producers[key] = state = new ProducerState(batch.ProducerEpoch);
        var log = _logs[partition];
        var baseOffset = (long)log.Count;
        for (var i = 0; i < count; i++)
            log.Add(new KafkaStoredRecord(partition, baseOffset + i, batch.ProducerId, batch.ProducerEpoch, batch.BaseSequence + i, batch.Records[i]));
        state.Next = lastSequence + 1;
        state.Recent.Enqueue((batch.BaseSequence, lastSequence, baseOffset));
        if (state.Recent.Count > 5) state.Recent.Dequeue();
        return (KafkaErrors.None, baseOffset, null);
    }

    private sealed class ProducerState(short epoch)
    {
        public short Epoch { get; } = epoch;
        public int Next { get; set; }
        public Queue<(int First, int Last, long Offset)> Recent { get; } = new();
    }
}
