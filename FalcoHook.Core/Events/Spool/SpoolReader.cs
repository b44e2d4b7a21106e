using Microsoft.Win32.SafeHandles;

namespace FalcoHook.Core.Events.Spool;

/// <summary>
/// The writer process's side of the spool (<see cref="HistorySpool"/>): reads the records in sequence from the oldest
/// kept segment on. The end of a segment, or a record a crash cut short, is followed by the segment named after the
/// next sequence number. The reader reads only records the service has announced as flushed, so it never races an
/// append.
/// </summary>
public sealed class SpoolReader : IDisposable
{
    private readonly byte[] _frame = new byte[4];
    private SafeFileHandle? _segment;
    private long _offset;

    public SpoolReader(string directory)
    {
        Directory = Path.GetFullPath(directory);
        var segments = System.IO.Directory.Exists(Directory) ? HistorySpool.Segments(Directory) : [];
        Next = segments.Count == 0 ? 1 : segments[0];
    }

    public string Directory { get; }

    /// <summary>The sequence number of the record <see cref="TryRead"/> reads next.</summary>
    public long Next { get; private set; }

    /// <summary>
    /// Reads record <see cref="Next"/>. False when it is not in the spool: the segment that should hold it is missing.
    /// When the spool skips ahead (segments deleted under the reader), <see cref="Next"/> moves to the first kept record.
    /// </summary>
    public bool TryRead(out long sequence, out byte[] record)
    {
        sequence = 0;
        record = [];
        for (var opened = false; ; opened = true)
        {
            if (_segment is not null)
            {
                var length = RandomAccess.GetLength(_segment);
                if (HistorySpool.RecordAt(_segment, _offset, length, _frame) is { } size)
                {
                    record = new byte[size];
                    RandomAccess.Read(_segment, record, _offset + 4);
                    _offset += 4 + size;
                    sequence = Next++;
                    return true;
                }
            }
            if (opened || !Open()) return false;
        }
    }

    /// <summary>Opens the segment that begins at <see cref="Next"/>, or the first after it when that one is gone.</summary>
    private bool Open()
    {
        _segment?.Dispose();
        _segment = null;
        var path = HistorySpool.PathOf(Directory, Next);
        if (!File.Exists(path))
        {
            var later = HistorySpool.Segments(Directory).FirstOrDefault(first => first > Next);
            if (later == 0) return false;
            Next = later;
            path = HistorySpool.PathOf(Directory, later);
        }
        try
        {
            _segment = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        _offset = 0;
        return true;
    }

    public void Dispose()
    {
        _segment?.Dispose();
        _segment = null;
    }
}
