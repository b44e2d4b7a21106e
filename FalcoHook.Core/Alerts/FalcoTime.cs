using System.Globalization;

namespace FalcoHook.Core.Alerts;

/// <summary>
/// A point in time with Falco's precision: nanoseconds since the Unix epoch. <see cref="DateTimeOffset"/>
/// keeps only 100 ns ticks, and Falco's alerts carry 9 fractional digits that must survive a round trip.
/// </summary>
public readonly record struct FalcoTime(long UnixNanoseconds) : IComparable<FalcoTime>
{
    /// <summary>The earliest time Falco's 64-bit nanoseconds hold: 1677-09-21T00:12:43.145224192Z.</summary>
    public static FalcoTime MinValue => new(long.MinValue);

    /// <summary>The latest time Falco's 64-bit nanoseconds hold: 2262-04-11T23:47:16.854775807Z.</summary>
    public static FalcoTime MaxValue => new(long.MaxValue);

    public static FalcoTime FromDateTimeOffset(DateTimeOffset value) =>
        new((value.UtcTicks - DateTime.UnixEpoch.Ticks) * 100);

    public DateTimeOffset ToDateTimeOffset() =>
        new(DateTime.UnixEpoch.Ticks + UnixNanoseconds / 100, TimeSpan.Zero);

    /// <summary>The length of <see cref="ToString"/>: <c>yyyy-MM-ddTHH:mm:ss.nnnnnnnnnZ</c>.</summary>
    public const int TextLength = 30;

    /// <summary>RFC 3339 in UTC with 9 fractional digits, as Falco writes <c>time</c>.</summary>
    public override string ToString()
    {
        Span<byte> text = stackalloc byte[TextLength];
        Format(text);
        return System.Text.Encoding.ASCII.GetString(text);
    }

    /// <summary>Writes <see cref="ToString"/>'s text as ASCII into <paramref name="destination"/> (<see cref="TextLength"/> bytes).</summary>
    public void Format(Span<byte> destination)
    {
        var seconds = Math.DivRem(UnixNanoseconds, 1_000_000_000L, out var nanos);
        if (nanos < 0) { seconds--; nanos += 1_000_000_000L; }
        var days = Math.DivRem(seconds, 86_400L, out var secondOfDay);
        if (secondOfDay < 0) { days--; secondOfDay += 86_400L; }
        var (year, month, day) = DateTime.UnixEpoch.AddDays(days);
        var d = destination[..TextLength];
        Digits(d[..4], year);
        d[4] = (byte)'-';
        Digits(d.Slice(5, 2), month);
        d[7] = (byte)'-';
        Digits(d.Slice(8, 2), day);
        d[10] = (byte)'T';
        Digits(d.Slice(11, 2), secondOfDay / 3600);
        d[13] = (byte)':';
        Digits(d.Slice(14, 2), secondOfDay / 60 % 60);
        d[16] = (byte)':';
        Digits(d.Slice(17, 2), secondOfDay % 60);
        d[19] = (byte)'.';
        Digits(d.Slice(20, 9), nanos);
        d[29] = (byte)'Z';
    }

    /// <summary>Writes <paramref name="value"/> as exactly <c>destination.Length</c> decimal digits, zero-padded.</summary>
    private static void Digits(Span<byte> destination, long value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }

    /// <summary><c>HH:MM:SS.nnnnnnnnn</c>, the prefix of Falco's <c>output</c> line.</summary>
    public string ToTimeOfDayString()
    {
        Span<byte> text = stackalloc byte[TextLength];
        Format(text);
        return System.Text.Encoding.ASCII.GetString(text.Slice(11, 18));
    }

    public int CompareTo(FalcoTime other) => UnixNanoseconds.CompareTo(other.UnixNanoseconds);

    /// <summary>
    /// Parses RFC 3339 (any offset, up to 9 fractional digits) without losing nanoseconds; false for a time outside
    /// <see cref="MinValue"/>..<see cref="MaxValue"/>.
    /// </summary>
    public static bool TryParse(string? text, out FalcoTime time) =>
        TryParseUtc(text.AsSpan(), out time) || TryParseAny(text, out time);

    /// <summary>
    /// <see cref="TryParseUtc(ReadOnlySpan{char}, out FalcoTime)"/> over UTF-8 text (a JSON string's raw bytes), with
    /// no string made; false for anything else, which <see cref="TryParse"/> of the decoded text then decides.
    /// </summary>
    internal static bool TryParseUtc(ReadOnlySpan<byte> utf8, out FalcoTime time)
    {
        time = default;
        if (utf8.Length is < 20 or > 30) return false;
        Span<char> text = stackalloc char[utf8.Length];
        for (var i = 0; i < utf8.Length; i++) text[i] = (char)utf8[i]; // any byte above 0x7F fails the shape below
        return TryParseUtc(text, out time);
    }

    /// <summary>
    /// The shape Falco writes, <c>yyyy-MM-ddTHH:mm:ss[.f…]Z</c>, read digit by digit. False for anything else (and for
    /// values out of range), which <see cref="TryParseAny"/> then decides; where this is true that gives the same time.
    /// </summary>
    internal static bool TryParseUtc(ReadOnlySpan<char> text, out FalcoTime time)
    {
        time = default;
        if (text.Length < 20 || text.Length > 30 || text[^1] != 'Z') return false;
        if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') return false;
        if (!Number(text, 0, 4, out var year) || !Number(text, 5, 2, out var month) || !Number(text, 8, 2, out var day) ||
            !Number(text, 11, 2, out var hour) || !Number(text, 14, 2, out var minute) || !Number(text, 17, 2, out var second))
            return false;
        long fraction = 0;
        if (text.Length > 20)
        {
            var digits = text.Length - 21;
            if (text[19] != '.' || digits is 0 or > 9 || !Number(text, 20, digits, out var value)) return false;
            fraction = value;
            for (var i = digits; i < 9; i++) fraction *= 10;
        }
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) ||
            hour > 23 || minute > 59 || second > 59)
            return false;
        return TryFromWholeSeconds(new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero), fraction, out time);
    }

    /// <summary>
    /// <paramref name="whole"/> (no fraction of a second) plus <paramref name="nanoseconds"/>; false when the sum is
    /// outside <see cref="MinValue"/>..<see cref="MaxValue"/> (multiplied out in 64 bits it would wrap around).
    /// </summary>
    private static bool TryFromWholeSeconds(DateTimeOffset whole, long nanoseconds, out FalcoTime time)
    {
        var seconds = (whole.UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond;
        var total = (Int128)seconds * 1_000_000_000 + nanoseconds;
        if (total > long.MaxValue || total < long.MinValue)
        {
            time = default;
            return false;
        }
        time = new FalcoTime((long)total);
        return true;
    }

    private static bool Number(ReadOnlySpan<char> text, int start, int length, out int value)
    {
        value = 0;
        for (var i = start; i < start + length; i++)
        {
            var c = text[i];
            if (!char.IsAsciiDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }

    /// <summary>Any RFC 3339 text (other offsets, <c>t</c>, <c>z</c>, a space), through <see cref="DateTimeOffset"/>.</summary>
    internal static bool TryParseAny(string? text, out FalcoTime time)
    {
        time = default;
        if (string.IsNullOrEmpty(text) || text.Length < 20) return false;
        // RFC 3339 allows a lower-case "z"; DateTimeOffset's "K" reads only "Z".
        if (text[^1] == 'z') text = string.Concat(text.AsSpan(0, text.Length - 1), "Z");
        // Split the fraction off so DateTimeOffset parses the rest and we keep all nine digits.
        var t = text.IndexOfAny(['T', 't', ' ']);
        if (t != 10) return false;
        var dot = text.IndexOf('.', t);
        long fractionNanos = 0;
        string withoutFraction = text;
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end])) end++;
            var digits = end - dot - 1;
            if (digits is 0 or > 9) return false;
            fractionNanos = long.Parse(text.AsSpan(dot + 1, digits), CultureInfo.InvariantCulture);
            for (var i = digits; i < 9; i++) fractionNanos *= 10;
            withoutFraction = string.Concat(text.AsSpan(0, dot), text.AsSpan(end));
        }
        if (!DateTimeOffset.TryParseExact(withoutFraction,
                ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd't'HH:mm:ssK", "yyyy-MM-dd HH:mm:ssK"],
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            return false;
        if (!(withoutFraction.EndsWith('Z') || HasNumericOffset(withoutFraction))) return false;
        return TryFromWholeSeconds(parsed, fractionNanos, out time);
    }

    private static bool HasNumericOffset(string s) =>
        s.Length >= 6 && (s[^6] == '+' || s[^6] == '-') && s[^3] == ':';
}
