using System.Text;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Tests.Alerts;

/// <summary>Times are Falco's 64-bit nanoseconds: what they cannot hold is refused, never wrapped around.</summary>
public sealed class FalcoTimeRangeTests
{
    [Theory]
    [InlineData("2262-04-11T23:47:16.854775807Z")] // the latest
    [InlineData("1677-09-21T00:12:43.145224192Z")] // the earliest
    [InlineData("1969-12-31T23:59:59.999999999Z")]
    [InlineData("1970-01-01T00:00:00.000000000Z")]
    public void Times_within_the_range_round_trip(string text)
    {
        Assert.True(FalcoTime.TryParse(text, out var time));
        Assert.Equal(text, time.ToString());
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59.999999999Z")]
    [InlineData("2262-04-11T23:47:16.854775808Z")]
    [InlineData("2262-04-11T23:47:17Z")]
    [InlineData("2262-04-12T01:47:17+02:00")]
    [InlineData("1677-09-21T00:12:43.145224191Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("1000-01-01T00:00:00.5+01:00")]
    public void Times_outside_the_range_are_refused(string text) =>
        Assert.False(FalcoTime.TryParse(text, out _));

    [Fact]
    public void The_bounds_are_what_64_bits_of_nanoseconds_hold()
    {
        Assert.Equal("2262-04-11T23:47:16.854775807Z", FalcoTime.MaxValue.ToString());
        Assert.Equal("1677-09-21T00:12:43.145224192Z", FalcoTime.MinValue.ToString());
    }

    [Fact]
    public void An_alert_from_the_far_future_is_refused_naming_time()
    {
        var body = """{"rule":"r","priority":"Notice","time":"9999-12-31T23:59:59.999999999Z"}""";
        var error = Assert.Single(AlertReader.ReadJson(Encoding.UTF8.GetBytes(body)).Errors);
        Assert.Equal("time", error.Field);
        Assert.Contains("2262-04-11T23:47:16.854775807Z", error.Message, StringComparison.Ordinal);
    }
}
