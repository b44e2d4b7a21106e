using System.Globalization;
using System.Text;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Destinations.Syslog;

/// <summary>One alert as a syslog message (RFC 5424 or RFC 3164), and the octet-counted frame of one.</summary>
public static class SyslogMessage
{
    private static readonly string[] Facilities =
        ["kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
         "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"];

    public static int? FacilityCode(string name)
    {
        var index = Array.IndexOf(Facilities, name.Trim().ToLowerInvariant());
        return index < 0 ? null : index;
    }

    /// <summary>The syslog severity of a Falco priority (the same eight levels).</summary>
    public static int Severity(Priority priority) => 7 - (int)priority;

    /// <summary>
    /// RFC 5424: <c>&lt;PRI&gt;1 TIMESTAMP HOSTNAME APP-NAME - - - MSG</c>, the time in UTC with microseconds (the RFC's
    /// limit), HOSTNAME the alert's or <c>-</c>. RFC 3164: <c>&lt;PRI&gt;Mmm dd hh:mm:ss HOSTNAME TAG: MSG</c>.
    /// </summary>
    public static byte[] Format(FalcoAlert alert, SyslogSettings settings)
    {
        var pri = FacilityCode(settings.Facility)!.Value * 8 + Severity(alert.Priority);
        var time = alert.Time.ToDateTimeOffset().UtcDateTime;
        var host = Printable(alert.Hostname, 255) ?? "-";
        var header = settings.Format.Trim().Equals("rfc3164", StringComparison.OrdinalIgnoreCase)
            ? $"<{pri}>{time.ToString("MMM", CultureInfo.InvariantCulture)} {time.Day,2} {time.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {(host == "-" ? "localhost" : host)} {settings.AppName}: "
            : $"<{pri}>1 {time.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)} {host} {settings.AppName} - - - ";
        // The MSG is one line: the alert's JSON has no raw newlines (JSON escapes them).
        return Encoding.UTF8.GetBytes(header + alert.ToJson());
    }

    /// <summary><c>MSG-LEN SP SYSLOG-MSG</c> (octet counting).</summary>
    public static void WriteFrame(Stream stream, byte[] message)
    {
        stream.Write(Encoding.ASCII.GetBytes(message.Length.ToString(CultureInfo.InvariantCulture) + " "));
        stream.Write(message);
    }

    private static string? Printable(string? text, int max)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var clean = new string(text.Where(c => c is > ' ' and <= '~').ToArray());
        return clean.Length == 0 ? null : clean.Length > max ? clean[..max] : clean;
    }
}
