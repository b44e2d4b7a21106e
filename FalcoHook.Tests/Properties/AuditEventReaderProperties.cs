using System.Globalization;
using System.Text;
using CsCheck;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.K8sAudit;

namespace FalcoHook.Tests.Properties;

/// <summary>
/// What <see cref="AuditEventReader"/> exposes of an event (its auditID, its time to the nanosecond, its JSON exactly
/// as sent) survives every shape a batch can take: an EventList, an array, one event, JSON Lines.
/// </summary>
public sealed class AuditEventReaderProperties
{
    private static readonly string[] ReaderNames = ["kind", "apiVersion", "auditID", "stageTimestamp", "requestReceivedTimestamp"];

    private sealed record GeneratedEvent(string AuditId, FalcoTime? Stage, string? StageText, FalcoTime? Received,
        string? ReceivedText, (string Name, JsonValue Value)[] Other)
    {
        public long ExpectedNanoseconds => (Stage ?? Received)!.Value.UnixNanoseconds;

        public string ToJson() => Generators.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "Event");
            w.WriteString("apiVersion", "audit.k8s.io/v1");
            w.WriteString("auditID", AuditId);
            foreach (var (name, value) in Other)
            {
                w.WritePropertyName(name);
                value.WriteTo(w);
            }
            if (ReceivedText is not null) w.WriteString("requestReceivedTimestamp", ReceivedText);
            if (StageText is not null) w.WriteString("stageTimestamp", StageText);
            w.WriteEndObject();
        });
    }

    /// <summary>A time as kube-apiserver writes it (RFC 3339, UTC, 0-9 fraction digits), and the instant it names.</summary>
    private static readonly Gen<(FalcoTime Time, string Text)> Timestamp =
        from seconds in Gen.Frequency((4, Gen.Long[-9_223_372_035L, 9_223_372_035L]), (1, Gen.Long[1_500_000_000L, 1_900_000_000L]))
        from digits in Gen.Int[0, 9]
        from fraction in Gen.Long[0, (long)Math.Pow(10, digits) - 1]
        let whole = new FalcoTime(seconds * 1_000_000_000L).ToString()[..19]
        let fractionText = digits == 0 ? "" : "." + fraction.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0')
        select (new FalcoTime(seconds * 1_000_000_000L + fraction * (long)Math.Pow(10, 9 - digits)), whole + fractionText + "Z");

    private static readonly Gen<GeneratedEvent> Event =
        from id in Generators.NonBlankText
        from which in Gen.Int[0, 2] // 0: stage only, 1: received only, 2: both
        from stage in Timestamp
        from received in Timestamp
        from other in Generators.Members(Generators.Json(3), 5)
        select new GeneratedEvent(id,
            which != 1 ? stage.Time : null, which != 1 ? stage.Text : null,
            which != 0 ? received.Time : null, which != 0 ? received.Text : null,
            other.Where(m => !ReaderNames.Contains(m.Name)).ToArray());

    private static void AssertSame(GeneratedEvent[] expected, AuditReadResult read)
    {
        Assert.True(read.Ok, string.Join("; ", read.Errors));
        Assert.Equal(expected.Length, read.Events.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].AuditId, read.Events[i].AuditId);
            Assert.Equal(expected[i].ExpectedNanoseconds, read.Events[i].UnixNanoseconds);
            Assert.Equal(expected[i].ToJson(), read.Events[i].GetRawText());
        }
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void Events_read_back_the_same_from_an_event_list_an_array_and_json_lines()
    {
        Event.Array[1, 4].Sample(events =>
        {
            var items = string.Join(",", events.Select(e => e.ToJson()));
            using (var list = AuditEventReader.Read(Utf8($$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{{items}}]}""")))
                AssertSame(events, list);
            using (var array = AuditEventReader.Read(Utf8($"[{items}]")))
                AssertSame(events, array);
            using (var lines = AuditEventReader.ReadJsonLines(Utf8(string.Join("\n", events.Select(e => e.ToJson())) + "\n")))
                AssertSame(events, lines);
        }, iter: Generators.Iterations, threads: 1);
    }

    [Fact]
    public void One_event_alone_reads_back_the_same()
    {
        Event.Sample(evt =>
        {
            using var read = AuditEventReader.Read(Utf8(evt.ToJson()));
            AssertSame([evt], read);
            Assert.Equal(evt.ExpectedNanoseconds.ToString(CultureInfo.InvariantCulture),
                read.Events[0].Time.UnixNanoseconds.ToString(CultureInfo.InvariantCulture));
        }, iter: Generators.Iterations, threads: 1);
    }
}
