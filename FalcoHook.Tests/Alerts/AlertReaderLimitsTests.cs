using System.Text;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Tests.Alerts;

/// <summary>What a hostile body costs the reader: bounded work, bounded answers, and refusals that name the field.</summary>
public sealed class AlertReaderLimitsTests
{
    private const string Good = """{"rule":"r","priority":"Notice","time":"2024-01-02T03:04:05Z"}""";

    private static byte[] EmptyObjects(int count) => Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat("{}", count)) + "]");

    /// <summary>Bytes the reader allocates on this thread for <paramref name="body"/>: work it does, counted rather than timed.</summary>
    private static long AllocatedReading(byte[] body)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        AlertReader.ReadJson(body);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Reading_many_bad_items_costs_work_linear_in_their_number()
    {
        var small = EmptyObjects(1_000);
        var large = EmptyObjects(2_000);
        AllocatedReading(small); // the first call pays for JIT and caches
        var forSmall = AllocatedReading(small);
        var forLarge = AllocatedReading(large);
        // Linear: twice the items cost about twice the memory. A scan of the error list per item costs four times.
        Assert.True(forLarge < 2.5 * forSmall, $"1,000 items allocated {forSmall:N0} bytes, 2,000 allocated {forLarge:N0}");
    }

    [Fact]
    public void The_errors_listed_are_capped_and_the_rest_counted()
    {
        var read = AlertReader.ReadJson(EmptyObjects(1_000));
        Assert.False(read.Ok);
        Assert.Equal(AlertReader.MaxErrors + 1, read.Errors.Count);
        Assert.Equal(["[0].rule", "[0].priority", "[0].time", "[1].rule"], read.Errors.Take(4).Select(e => e.Field));
        var more = read.Errors[^1];
        Assert.Equal("body", more.Field);
        Assert.Contains($"{3 * 1_000 - AlertReader.MaxErrors} more", more.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_alerts_than_the_limit_are_refused_before_any_is_read()
    {
        var read = AlertReader.ReadJson(EmptyObjects(AlertReader.MaxAlerts + 1));
        var error = Assert.Single(read.Errors);
        Assert.Equal("body", error.Field);
        Assert.Contains($"at most {AlertReader.MaxAlerts}", error.Message, StringComparison.Ordinal);

        var lines = string.Join("\n", Enumerable.Repeat(Good, AlertReader.MaxAlerts + 1));
        error = Assert.Single(AlertReader.ReadNdjson(Encoding.UTF8.GetBytes(lines)).Errors);
        Assert.Contains($"at most {AlertReader.MaxAlerts}", error.Message, StringComparison.Ordinal);
        Assert.True(AlertReader.ReadNdjson(Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Repeat(Good, AlertReader.MaxAlerts)))).Ok);
        // A file read offline (the CLI's replay) passes its own limit.
        Assert.Equal(AlertReader.MaxAlerts + 1, AlertReader.ReadNdjson(Encoding.UTF8.GetBytes(lines), maxAlerts: int.MaxValue).Alerts.Count);
    }

    [Fact]
    public void A_cancelled_request_stops_the_reading()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var body = Encoding.UTF8.GetBytes($"[{Good},{Good}]");
        Assert.ThrowsAny<OperationCanceledException>(() => AlertReader.ReadJson(body, cancelled.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => AlertReader.ReadNdjson(Encoding.UTF8.GetBytes($"{Good}\n{Good}"), cancelled.Token));
    }

    [Fact]
    public void A_line_longer_than_the_limit_is_refused_by_its_index()
    {
        var padded = Good[..^1] + $",\"output\":\"{new string('x', AlertReader.MaxLineBytes)}\"}}";
        var error = Assert.Single(AlertReader.ReadNdjson(Encoding.UTF8.GetBytes($"{Good}\n{padded}\n")).Errors);
        Assert.Equal("[1]", error.Field);
        Assert.Contains($"at most {AlertReader.MaxLineBytes}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_fields_tags_and_other_properties_are_bounded()
    {
        string With(string json) => Good[..^1] + "," + json + "}";
        var fields = string.Join(",", Enumerable.Range(0, AlertReader.MaxOutputFields + 1).Select(i => $"\"f{i}\":{i}"));
        var tags = string.Join(",", Enumerable.Range(0, AlertReader.MaxTags + 1).Select(i => $"\"t{i}\""));
        var others = string.Join(",", Enumerable.Range(0, AlertReader.MaxOtherProperties + 1).Select(i => $"\"x{i}\":{i}"));

        Assert.Equal("output_fields", Assert.Single(AlertReader.ReadJson(Encoding.UTF8.GetBytes(With($"\"output_fields\":{{{fields}}}"))).Errors).Field);
        Assert.Equal("tags", Assert.Single(AlertReader.ReadJson(Encoding.UTF8.GetBytes(With($"\"tags\":[{tags}]"))).Errors).Field);
        Assert.Equal("body", Assert.Single(AlertReader.ReadJson(Encoding.UTF8.GetBytes(With(others))).Errors).Field);
    }

    public static TheoryData<byte[], string> InvalidText => new()
    {
        // Invalid UTF-8 bytes (0xFF) and an unpaired surrogate escape in each field a string is read from.
        { Bytes("""{"rule":"a§b","priority":"Notice","time":"2024-01-02T03:04:05Z"}""", 0xFF), "rule" },
        { Bytes("""{"rule":"\ud800","priority":"Notice","time":"2024-01-02T03:04:05Z"}"""), "rule" },
        { Bytes("""{"rule":"r","priority":"\udfff","time":"2024-01-02T03:04:05Z"}"""), "priority" },
        { Bytes("""{"rule":"r","priority":"Notice","time":"2024-01-02T03:04:05Z","output":"\ud800x"}"""), "output" },
        { Bytes("""{"rule":"r","priority":"Notice","time":"2024-01-02T03:04:05Z","tags":["ok","§"]}""", 0xC3), "tags[1]" },
        { Bytes("""{"rule":"r","priority":"Notice","time":"2024-01-02T03:04:05Z","output_fields":{"proc.name":"\ud800"}}"""), "output_fields.proc.name" },
        { Bytes("""{"rule":"r","priority":"Notice","time":"2024-01-02T03:04:05Z","output_fields":{"k":["a",{"b":"§"}]}}""", 0xFE), "output_fields.k" },
        { Bytes("""{"rule":"r","priority":"Notice","time":"2024-01-02T03:04:05Z","output_fields":{"\ud800":1}}"""), "output_fields" },
        { Bytes("""{"rule":"r","priority":"Notice","time":"2024-01-02T03:04:05Z","uuid":"§"}""", 0x80), "uuid" },
    };

    /// <summary>The UTF-8 of <paramref name="json"/> with its one § replaced by <paramref name="raw"/> bytes.</summary>
    private static byte[] Bytes(string json, params byte[] raw)
    {
        var at = json.IndexOf('§', StringComparison.Ordinal);
        return at < 0 ? Encoding.UTF8.GetBytes(json) : [.. Encoding.UTF8.GetBytes(json[..at]), .. raw, .. Encoding.UTF8.GetBytes(json[(at + 1)..])];
    }

    [Theory]
    [MemberData(nameof(InvalidText))]
    public void Text_that_is_not_valid_is_refused_naming_the_field(byte[] body, string field)
    {
        var error = Assert.Single(AlertReader.ReadJson(body).Errors);
        Assert.Equal(field, error.Field);
        Assert.Contains("Not valid text", error.Message, StringComparison.Ordinal);

        // The same alert as the second line of JSON Lines is refused under its index.
        var ndjson = Encoding.UTF8.GetBytes(Good + "\n").Concat(body).ToArray();
        error = Assert.Single(AlertReader.ReadNdjson(ndjson).Errors);
        Assert.Equal($"[1].{field}", error.Field);
    }

    [Fact]
    public void A_valid_surrogate_pair_escape_is_text()
    {
        var read = AlertReader.ReadJson(Encoding.UTF8.GetBytes(Good[..^1] + ""","output":"\ud83d\ude00","output_fields":{"e":"\ud83d\ude00"}}"""));
        Assert.True(read.Ok, string.Join("; ", read.Errors));
        Assert.Equal("\U0001F600", Assert.Single(read.Alerts).Output);
    }
}
