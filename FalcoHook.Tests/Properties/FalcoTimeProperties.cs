using System.Globalization;
using CsCheck;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Tests.Properties;

/// <summary><see cref="FalcoTime"/>'s text and its parsing agree over the whole range it holds, to the nanosecond.</summary>
public sealed class FalcoTimeProperties
{
    [Fact]
    public void Every_time_parses_back_from_its_text()
    {
        Generators.Time.Sample(time =>
        {
            var text = time.ToString();
            Assert.Equal(FalcoTime.TextLength, text.Length);
            Assert.True(FalcoTime.TryParse(text, out var parsed), text);
            Assert.Equal(time, parsed);
        }, iter: Generators.Iterations * 3, threads: 1);
    }

    private sealed record Written(DateTimeOffset Seconds, int Digits, long Fraction, string Text);

    /// <summary>RFC 3339 text of a second between 1678 and 2261 (inside int64 nanoseconds at any offset), 0-9 fraction digits.</summary>
    private static readonly Gen<Written> Rfc3339 =
        from seconds in Gen.Long[new DateTimeOffset(1678, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(),
            new DateTimeOffset(2261, 12, 31, 23, 59, 59, TimeSpan.Zero).ToUnixTimeSeconds()]
        from offsetMinutes in Gen.Frequency((2, Gen.Const(0)), (1, Gen.Int[-14 * 60, 14 * 60]))
        from digits in Gen.Int[0, 9]
        from fraction in Gen.Long[0, (long)Math.Pow(10, digits) - 1]
        from separator in Gen.OneOf("T", "t", " ")
        from zulu in Gen.OneOf("Z", "z", "+00:00", "-00:00")
        let local = DateTimeOffset.FromUnixTimeSeconds(seconds).ToOffset(TimeSpan.FromMinutes(offsetMinutes))
        let zone = offsetMinutes == 0 ? zulu : local.ToString("zzz", CultureInfo.InvariantCulture)
        let fractionText = digits == 0 ? "" : "." + fraction.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0')
        select new Written(local, digits, fraction,
            local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + separator +
            local.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + fractionText + zone);

    [Fact]
    public void Rfc3339_text_parses_to_its_instant_and_formats_in_utc_with_nine_digits()
    {
        Rfc3339.Sample(written =>
        {
            Assert.True(FalcoTime.TryParse(written.Text, out var time), written.Text);
            var nanos = written.Fraction * (long)Math.Pow(10, 9 - written.Digits);
            Assert.Equal(written.Seconds.ToUnixTimeSeconds() * 1_000_000_000L + nanos, time.UnixNanoseconds);
            var utc = written.Seconds.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
            Assert.Equal($"{utc}.{nanos:D9}Z", time.ToString());
        }, iter: Generators.Iterations * 3, threads: 1);
    }

    [Fact]
    public void DateTimeOffset_round_trip_keeps_the_time_to_its_100_ns_tick()
    {
        Generators.Time.Sample(time =>
        {
            var back = FalcoTime.FromDateTimeOffset(time.ToDateTimeOffset());
            Assert.Equal(time.UnixNanoseconds / 100 * 100, back.UnixNanoseconds);
        }, iter: Generators.Iterations * 3, threads: 1);
    }
}
