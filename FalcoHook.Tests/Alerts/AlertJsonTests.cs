using System.Text.Json;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Tests.Alerts;

/// <summary>The alert's Falco-shaped JSON (inbox rows and the security event log's Alert property) and its time text.</summary>
public sealed class AlertJsonTests
{
    private const string Body = """
        {"uuid":"u-1","hostname":"node-7","output":"10:00:00.123456789: Warning Shell <NA> \"q\" é\u0001","priority":"warning",
         "rule":"Terminal shell in container","source":"syscall","tags":["container","shell"],
         "time":"2026-11-27T11:00:00.123456789+01:00",
         "output_fields":{"evt.time":1795687200123456789,"container.id":"ee97d9c4186f","proc.tty":null,"n":1.50,
           "proc.args":["-c","ls"],"x.meta":{"b":1,"a":"é<\"NA\">"},"dup":1,"dup":2},"message":{"k":[true,false]}}
        """;

    private static FalcoAlert Read(string json)
    {
        var read = AlertReader.ReadJson(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.True(read.Ok, string.Join("; ", read.Errors));
        return Assert.Single(read.Alerts);
    }

    /// <summary>What the serialiser wrote before the JSON was cached and the time formatted by hand.</summary>
    private const string Golden = """
        {"hostname":"node-7","output":"10:00:00.123456789: Warning Shell <NA> \"q\" é\u0001","priority":"Warning","rule":"Terminal shell in container","source":"syscall","tags":["container","shell"],"time":"2026-11-27T10:00:00.123456789Z","output_fields":{"evt.time":1795687200123456789,"container.id":"ee97d9c4186f","proc.tty":null,"n":1.50,"proc.args":["-c","ls"],"x.meta":{"b":1,"a":"é<\"NA\">"},"dup":2},"uuid":"u-1","message":{"k":[true,false]}}
        """;

    private static string Fresh(FalcoAlert alert)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, FalcoAlert.WriterOptions)) alert.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Json_is_Falcos_shape_with_values_as_they_came()
    {
        var alert = Read(Body);
        Assert.Equal(Golden, alert.ToJson());
        Assert.Equal(Golden, System.Text.Encoding.UTF8.GetString(alert.ToJsonBytes()));
    }

    [Fact]
    public void Cached_json_equals_a_fresh_serialisation_on_every_call()
    {
        var alert = Read(Body);
        var first = alert.ToJson();
        Assert.Equal(Fresh(alert), first);
        Assert.Same(first, alert.ToJson());
        Assert.Equal(first, System.Text.Encoding.UTF8.GetString(alert.ToJsonBytes()));
        // Reading the JSON back (what the inbox's drain does) gives an alert with the same JSON.
        Assert.Equal(first, Read(first).ToJson());
    }

    [Fact]
    public void Concurrent_callers_all_get_the_same_json()
    {
        var alert = Read(Body);
        var results = new string[64];
        Parallel.For(0, results.Length, i => results[i] = alert.ToJson());
        Assert.All(results, r => Assert.Equal(Golden, r));
    }

    [Fact]
    public void Alerts_built_in_code_serialise_without_optional_parts()
    {
        var alert = new FalcoAlert { Rule = "R", Priority = Priority.Debug, Time = new FalcoTime(-1) };
        Assert.Equal("""{"output":"","priority":"Debug","rule":"R","tags":[],"time":"1969-12-31T23:59:59.999999999Z"}""", alert.ToJson());
        Assert.Equal(Fresh(alert), alert.ToJson());
    }

    [Theory]
    [InlineData(0L, "1970-01-01T00:00:00.000000000Z")]
    [InlineData(1L, "1970-01-01T00:00:00.000000001Z")]
    [InlineData(-1L, "1969-12-31T23:59:59.999999999Z")]
    [InlineData(-1_000_000_000L, "1969-12-31T23:59:59.000000000Z")]
    [InlineData(1795773600123456789L, "2026-11-27T10:00:00.123456789Z")]
    [InlineData(951782400000000000L, "2000-02-29T00:00:00.000000000Z")]
    [InlineData(long.MaxValue, "2262-04-11T23:47:16.854775807Z")]
    public void Time_is_RFC_3339_UTC_with_nine_digits(long nanos, string expected)
    {
        var time = new FalcoTime(nanos);
        Assert.Equal(expected, time.ToString());
        Assert.Equal(expected.Substring(11, 18), time.ToTimeOfDayString());
        Assert.True(FalcoTime.TryParse(expected, out var back));
        Assert.Equal(time, back);
    }

    [Theory]
    [InlineData("2026-11-27T10:00:00Z")]
    [InlineData("2026-11-27T10:00:00.1Z")]
    [InlineData("2026-11-27T10:00:00.123456789Z")]
    [InlineData("2026-11-27T23:59:59.999999999Z")]
    [InlineData("2024-02-29T00:00:00Z")]
    [InlineData("2023-02-29T00:00:00Z")]
    [InlineData("2026-13-01T00:00:00Z")]
    [InlineData("2026-00-01T00:00:00Z")]
    [InlineData("2026-04-31T00:00:00Z")]
    [InlineData("2026-11-27T24:00:00Z")]
    [InlineData("2026-11-27T10:60:00Z")]
    [InlineData("2026-11-27T10:00:60Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("1969-12-31T23:59:59.5Z")]
    [InlineData("2026-11-27T10:00:00.Z")]
    [InlineData("2026-11-27T10:00:00.1234567890Z")]
    [InlineData("2026-11-27T10:00:00,5Z")]
    [InlineData("2026-11-27T1a:00:00Z")]
    [InlineData("2026-11-27T10:00:00+01:00")]
    [InlineData("2026-11-27T10:00:00.5-05:30")]
    [InlineData("2026-11-27t10:00:00z")]
    [InlineData("2026-11-27 10:00:00Z")]
    [InlineData("2026-11-27T10:00:00")]
    [InlineData("2026-11-27T10:00:00+0100")]
    [InlineData("+026-11-27T10:00:00Z")]
    public void The_fast_reading_of_Falcos_time_agrees_with_the_general_one(string text)
    {
        var general = FalcoTime.TryParseAny(text, out var expected);
        Assert.Equal(general, FalcoTime.TryParse(text, out var time));
        Assert.Equal(expected, time);
        if (FalcoTime.TryParseUtc(text, out var fast)) Assert.Equal((true, expected), (general, fast));
        // The audit reader's reading of the same text from its UTF-8 bytes says the same.
        Assert.Equal(FalcoTime.TryParseUtc(text, out var chars), FalcoTime.TryParseUtc(System.Text.Encoding.UTF8.GetBytes(text), out var bytes));
        Assert.Equal(chars, bytes);
    }
}
