using System.Globalization;

namespace FalcoHook.Core.Alerts;

/// <summary>
/// A point in time with Falco's precision: nanoseconds since the Unix epoch. <see cref="DateTimeOffset"/>
/// keeps only 100 ns ticks, and Falco's alerts carry 9 fractional digits that must survive a round trip.
/// </summary>
public readonly record struct FalcoTime(long UnixNanoseconds) : IComparable<FalcoTime>
{
    public static FalcoTime FromDateTimeOffset(DateTimeOffset value) =>
        new((value.UtcTicks - DateTime.UnixEpoch.Ticks) * 100);

    public DateTimeOffset ToDateTimeOffset() =>
        new(DateTime.UnixEpoch.Ticks + UnixNanoseconds / 100, TimeSpan.Zero);

    /// <summary>RFC 3339 in UTC with 9 fractional digits, as Falco writes <c>time</c>.</summary>
    public override string ToString()
    {
        var seconds = Math.DivRem(UnixNanoseconds, 1_000_000_000L, out var nanos);
        if (nanos < 0) { seconds--; nanos += 1_000_000_000L; }
        var whole = DateTime.UnixEpoch.AddSeconds(seconds);
        return whole.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." +
               nanos.ToString("D9", CultureInfo.InvariantCulture) + "Z";
    }

    /// <summary><c>HH:MM:SS.nnnnnnnnn</c>, the prefix of Falco's <c>output</c> line.</summary>
    public string ToTimeOfDayString()
    {
        var text = ToString();
        return text.Substring(11, 18);
    }

    public int CompareTo(FalcoTime other) => UnixNanoseconds.CompareTo(other.UnixNanoseconds);

    /// <summary>Parses RFC 3339 (any offset, up to 9 fractional digits) without losing nanoseconds.</summary>
    public static bool TryParse(string? text, out FalcoTime time)
    {
        time = default;
        if (string.IsNullOrEmpty(text) || text.Length < 20) return false;
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
        if (!(withoutFraction.EndsWith('Z') || withoutFraction.EndsWith('z') || HasNumericOffset(withoutFraction))) return false;
        time = new FalcoTime(FromDateTimeOffset(parsed).UnixNanoseconds + fractionNanos);
        return true;
    }

    private static bool HasNumericOffset(string s) =>
        s.Length >= 6 && (s[^6] == '+' || s[^6] == '-') && s[^3] == ':';
}
