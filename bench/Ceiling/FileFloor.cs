/// <summary>
/// The durable floor without a database, for comparison with <see cref="DurableFloor"/>: each group of bodies is
/// appended to a plain file (length-prefixed) and fsynced once before the callers are answered. Not something
/// FalcoHook does: it shows how much of the floor's cost is SQLite's and how much the fsync's.
/// </summary>
internal sealed class FileFloor : GroupCommitFloor
{
    private readonly FileStream _file;

    public FileFloor(string path)
    {
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16);
        Start();
    }

    protected override void Commit(IReadOnlyList<byte[]> bodies)
    {
        Span<byte> length = stackalloc byte[4];
        foreach (var body in bodies)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, body.Length);
            _file.Write(length);
            _file.Write(body);
        }
        _file.Flush(flushToDisk: true); // write() + fsync
        // Handled records need not be kept (the SQLite floor deletes its rows): start over rather than grow without end.
        if (_file.Position > MaxBytes) _file.Position = 0;
    }

    private const long MaxBytes = 64L << 20;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _file.DisposeAsync();
    }
}
