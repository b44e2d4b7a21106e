using System.Text;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Fuzz.Targets;

/// <summary>
/// The alert ingest path: the input read as JSON, as JSON Lines and as Falco's text line, the way
/// <c>POST /</c> reads each content type. Every alert read is written back out (as the inbox does); with
/// <see cref="Invariants.Checked"/>, what was written must read back to the same JSON. A refused body (errors) is the
/// expected outcome for bad input.
/// </summary>
public static class AlertTarget
{
    private static readonly DateTimeOffset Now = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    public static void Run(byte[] input)
    {
        Check(AlertReader.ReadJson(input));
        Check(AlertReader.ReadNdjson(input));
        Check(AlertReader.ReadText(AlertReader.DecodeText(input), Now));
    }

    private static void Check(AlertReadResult result)
    {
        if (Invariants.Checked && result.Ok == (result.Alerts.Count == 0))
            throw new FuzzInvariantException($"a result with {result.Alerts.Count} alerts and {result.Errors.Count} errors");
        foreach (var alert in result.Alerts)
        {
            var json = alert.ToJson();
            if (!Invariants.Checked) continue;
            var again = AlertReader.ReadJson(Encoding.UTF8.GetBytes(json));
            if (!again.Ok)
                throw new FuzzInvariantException($"an alert's own JSON is refused: {again.Errors[0].Field}: {again.Errors[0].Message}");
            var second = again.Alerts[0].ToJson();
            if (second != json) throw new FuzzInvariantException($"an alert's JSON changes when read back:\n{json}\n{second}");
        }
    }
}
