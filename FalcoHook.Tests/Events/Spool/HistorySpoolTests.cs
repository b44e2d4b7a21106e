using System.Text;
using System.Text.Json;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Events;
using FalcoHook.Core.Events.Spool;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Events.Spool;

/// <summary>
/// The history spool on real files: a record reads back as the record it was, the reader follows the appends across
/// segments with their sequence numbers, a reopened spool continues after its last complete record (a record a crash cut
/// short ends its segment), and only segments whose every record is stored are deleted.
/// </summary>
public sealed class HistorySpoolTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string Folder => _dir.File("events-spool");

    [Fact]
    public void Every_known_record_reads_back_as_the_store_would_have_been_handed_it()
    {
        foreach (var record in KnownEvents.Records())
        {
            var read = SpoolRecord.Read(SpoolRecord.Serialize(record));
            Assert.Equal(record.Kind, read.Kind);
            Assert.Equal(record.Received, read.Received);
            Assert.Equal(record.InboxId, read.InboxId);
            Assert.Equal(record.Outcome, read.Outcome);
            Assert.Equal(record.SummaryFingerprint, read.SummaryFingerprint);
            Assert.Equal(NotificationJson.Serialize(record.Notification), NotificationJson.Serialize(read.Notification));
            Assert.Equal(EventJson.Decisions(record.Decisions), EventJson.Decisions(read.Decisions));
            Assert.Equal(EventJson.Deliveries(record.Deliveries), EventJson.Deliveries(read.Deliveries));
            // The texts the writer process stores instead of serializing the parts again are those serializations.
            Assert.Null(record.Json);
            Assert.NotNull(read.Json);
            Assert.Equal(NotificationJson.Serialize(record.Notification), read.Json.NotificationText);
            Assert.Equal(EventJson.Decisions(record.Decisions), read.Json.DecisionsText);
            Assert.Equal(EventJson.Deliveries(record.Deliveries), read.Json.DeliveriesText);
        }
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"kind":7,"received":"2026-12-01T00:00:00Z","notification":{},"decisions":[],"deliveries":[]}""")]
    [InlineData("[1,2")]
    public void A_record_that_is_not_one_is_refused(string json)
    {
        var error = Record.Exception(() => SpoolRecord.Read(Encoding.UTF8.GetBytes(json)));
        Assert.True(error is FormatException or JsonException or KeyNotFoundException, error?.ToString() ?? "no error");
    }

    [Fact]
    public void The_reader_reads_every_appended_record_in_order_across_segments()
    {
        var records = KnownEvents.Records();
        using var spool = new HistorySpool(Folder, segmentBytes: 4096);
        var appended = new List<(long Sequence, long InboxId)>();
        for (var round = 0; round < 5; round++)
        {
            var last = spool.Append(records);
            Assert.Equal((round + 1) * records.Count, last);
            appended.AddRange(records.Select((r, i) => (last - records.Count + 1 + i, r.InboxId)));
        }
        Assert.True(HistorySpool.Segments(Folder).Count > 2, "the small segment size closes segments");

        using var reader = new SpoolReader(Folder);
        var read = new List<(long Sequence, long InboxId)>();
        while (reader.TryRead(out var sequence, out var bytes)) read.Add((sequence, SpoolRecord.Read(bytes).InboxId));
        Assert.Equal(appended, read);
        Assert.Equal(spool.Last + 1, reader.Next);

        // Appended after the reader caught up: read on.
        spool.Append(records.Take(2).ToList());
        Assert.True(reader.TryRead(out var next, out _));
        Assert.Equal(appended.Count + 1, next);
    }

    [Fact]
    public void A_reopened_spool_continues_after_its_last_complete_record_and_the_reader_skips_a_record_cut_short()
    {
        var records = KnownEvents.Records();
        using (var spool = new HistorySpool(Folder)) spool.Append(records);
        var first = HistorySpool.PathOf(Folder, 1);
        // A crash in the middle of an append: a frame that promises more bytes than follow.
        using (var file = new FileStream(first, FileMode.Append)) file.Write([0x00, 0x10, 0x00, 0x00, (byte)'{', (byte)'"']);

        using var reopened = new HistorySpool(Folder);
        Assert.Equal(records.Count, reopened.Last);
        Assert.Equal(2L * records.Count, reopened.Append(records));
        Assert.Equal([1, records.Count + 1], HistorySpool.Segments(Folder));

        using var reader = new SpoolReader(Folder);
        var sequences = new List<long>();
        while (reader.TryRead(out var sequence, out var bytes))
        {
            SpoolRecord.Read(bytes);
            sequences.Add(sequence);
        }
        Assert.Equal(Enumerable.Range(1, 2 * records.Count).Select(i => (long)i), sequences);
    }

    [Fact]
    public void Only_segments_whose_every_record_is_stored_are_deleted_and_never_the_one_appended_to()
    {
        var records = KnownEvents.Records();
        var n = records.Count;
        using var spool = new HistorySpool(Folder, segmentBytes: 1); // every append begins a segment
        for (var i = 0; i < 3; i++) spool.Append(records);
        Assert.Equal([1, n + 1, 2 * n + 1], HistorySpool.Segments(Folder));

        spool.DeleteThrough(n - 1);
        Assert.Equal([1, n + 1, 2 * n + 1], HistorySpool.Segments(Folder));
        spool.DeleteThrough(n);
        Assert.Equal([n + 1, 2 * n + 1], HistorySpool.Segments(Folder));
        spool.DeleteThrough(3 * n);
        Assert.Equal([2 * n + 1], HistorySpool.Segments(Folder)); // still appended to

        spool.Close(stored: 3 * n - 1);
        Assert.Equal([2 * n + 1], HistorySpool.Segments(Folder));
        spool.Close(stored: 3 * n);
        Assert.Empty(HistorySpool.Segments(Folder));

        using var reopened = new HistorySpool(Folder);
        Assert.Equal(0, reopened.Last);
        Assert.Equal(0, reopened.KeptBytes);
    }

    public void Dispose() => _dir.Dispose();
}
