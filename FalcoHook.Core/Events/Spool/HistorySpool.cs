using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace FalcoHook.Core.Events.Spool;

/// <summary>
/// The service's side of the history spool: a folder of segment files named by the sequence number of their first
/// record (<c>00000000000000000001.spool</c>), each a run of records framed as a 4-byte little-endian length and the
/// record (<see cref="SpoolRecord"/>). <see cref="Append"/> writes a batch and flushes it to disk before it returns, so an
/// appended record survives a crash of the service or the machine. A segment is closed at <see cref="SegmentBytes"/> and
/// the next begun (tests give a smaller size); <see cref="DeleteThrough"/> removes the segments whose every record the writer process has stored.
/// <para>
/// Opening counts the complete records of the last segment; a record a crash cut short ends that segment, and appends
/// go to a new segment after the last complete record (never into an existing file). One caller appends at a time: the
/// service's <see cref="EventHistoryWriter"/>, whose single loop hands over the batches.
/// </para>
/// </summary>
public sealed class HistorySpool : IDisposable
{
    public const string Extension = ".spool";

    /// <summary>A segment is closed once it holds this many bytes.</summary>
    public const long SegmentBytes = 16 * 1024 * 1024;

    /// <summary>A record longer than this is not one (a frame a crash cut short or damaged).</summary>
    public const int MaxRecordBytes = 64 * 1024 * 1024;

    private readonly Lock _gate = new();

    /// <summary>The kept segments, oldest first: their first sequence number and size in bytes.</summary>
    private readonly List<(long First, long Bytes)> _segments = [];

    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly ArrayBufferWriter<byte> _record = new(4096);
    private FileStream? _current;
    private long _next;

    private readonly long _segmentBytes;

    public HistorySpool(string directory, long segmentBytes = SegmentBytes)
    {
        _segmentBytes = segmentBytes;
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
        foreach (var first in Segments(Directory)) _segments.Add((first, new FileInfo(PathOf(Directory, first)).Length));
        _next = _segments.Count == 0 ? 1 : _segments[^1].First + CountRecords(PathOf(Directory, _segments[^1].First));
    }

    public string Directory { get; }

    /// <summary>The spool folder of a history file: <c>events-spool</c> beside <c>events.db</c>.</summary>
    public static string FolderFor(string historyFile) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(historyFile)) ?? ".", Path.GetFileNameWithoutExtension(historyFile) + "-spool");

    /// <summary>The sequence number of the last record appended (0 when none ever was).</summary>
    public long Last
    {
        get { lock (_gate) return _next - 1; }
    }

    /// <summary>Bytes in the kept segments: what the writer process has not stored yet, give or take a segment.</summary>
    public long KeptBytes
    {
        get { lock (_gate) return _segments.Sum(s => s.Bytes); }
    }

    /// <summary>
    /// Appends the records, flushes them to disk, and returns the sequence number of the last. When the write fails, the
    /// segment is cut back to where it was and closed, so the next append begins a new one with the same numbers.
    /// </summary>
    public long Append(IReadOnlyList<EventRecord> records)
    {
        if (records.Count == 0) return Last;
        _buffer.ResetWrittenCount();
        foreach (var record in records)
        {
            _record.ResetWrittenCount();
            SpoolRecord.Write(_record, record);
            BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), _record.WrittenCount);
            _buffer.Advance(4);
            _buffer.Write(_record.WrittenSpan);
        }
        lock (_gate)
        {
            if (_current is null || _current.Length >= _segmentBytes)
            {
                _current?.Dispose();
                _current = null;
                // A last segment that begins at _next holds no complete record (a failed append cut it back): begun again.
                var again = _segments.Count > 0 && _segments[^1].First == _next;
                _current = new FileStream(PathOf(Directory, _next), again ? FileMode.Create : FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
                if (again) _segments[^1] = (_next, 0);
                else _segments.Add((_next, 0));
            }
            var before = _current.Length;
            try
            {
                _current.Write(_buffer.WrittenSpan);
                _current.Flush(flushToDisk: true);
            }
            catch
            {
                try
                {
                    _current.SetLength(before);
                }
                finally
                {
                    _current.Dispose();
                    _current = null;
                    _segments[^1] = (_segments[^1].First, before);
                }
                throw;
            }
            _segments[^1] = (_segments[^1].First, before + _buffer.WrittenCount);
            _next += records.Count;
            return _next - 1;
        }
    }

    /// <summary>Deletes the segments whose records are all at or below <paramref name="sequence"/>, except the one appended to.</summary>
    public void DeleteThrough(long sequence)
    {
        lock (_gate)
        {
            while (_segments.Count > 1 && _segments[1].First - 1 <= sequence)
            {
                File.Delete(PathOf(Directory, _segments[0].First));
                _segments.RemoveAt(0);
            }
            if (_segments.Count == 1 && _current is null && _next - 1 <= sequence)
            {
                File.Delete(PathOf(Directory, _segments[0].First));
                _segments.RemoveAt(0);
            }
        }
    }

    /// <summary>Closes the segment appended to; when every record is stored (<paramref name="stored"/>), deletes it too.</summary>
    public void Close(long stored)
    {
        lock (_gate)
        {
            _current?.Dispose();
            _current = null;
        }
        DeleteThrough(stored);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _current?.Dispose();
            _current = null;
        }
    }

    /// <summary>The first sequence numbers of the segments in <paramref name="directory"/>, in order.</summary>
    public static List<long> Segments(string directory) =>
        [.. System.IO.Directory.EnumerateFiles(directory, "*" + Extension)
            .Select(path => long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var first) ? first : 0)
            .Where(first => first > 0)
            .Order()];

    public static string PathOf(string directory, long first) =>
        Path.Combine(directory, first.ToString("D20", CultureInfo.InvariantCulture) + Extension);

    /// <summary>The complete records at the start of a segment.</summary>
    private static long CountRecords(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var length = RandomAccess.GetLength(handle);
        Span<byte> frame = stackalloc byte[4];
        long offset = 0, count = 0;
        while (RecordAt(handle, offset, length, frame) is { } size)
        {
            offset += 4 + size;
            count++;
        }
        return count;
    }

    /// <summary>The length of the complete record at <paramref name="offset"/>, or null when none is there.</summary>
    internal static int? RecordAt(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, long length, Span<byte> frame)
    {
        if (length - offset < 4 || RandomAccess.Read(handle, frame, offset) < 4) return null;
        var size = BinaryPrimitives.ReadInt32LittleEndian(frame);
        return size <= 0 || size > MaxRecordBytes || length - offset - 4 < size ? null : size;
    }
}
