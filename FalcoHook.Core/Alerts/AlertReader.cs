using System.Text;
using System.Text.Json;

namespace FalcoHook.Core.Alerts;

/// <summary>One problem with a received body: where (a JSON path such as <c>[2].priority</c>) and what.</summary>
public sealed record AlertError(string Field, string Message);

/// <summary>The result of reading a body: every alert, or every error (nothing of a bad body is accepted).</summary>
public sealed record AlertReadResult(IReadOnlyList<FalcoAlert> Alerts, IReadOnlyList<AlertError> Errors)
{
    public bool Ok => Errors.Count == 0;
    public static AlertReadResult Fail(string field, string message) => new([], [new AlertError(field, message)]);
}

/// <summary>
/// Reads Falco alerts from what <c>http_output</c> (or a person with curl) sends: one JSON object, a JSON
/// array, JSON Lines, or Falco's text line when <c>json_output</c> is off.
/// </summary>
public static class AlertReader
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>The rule name given to alerts from Falco's text output, which does not name the rule.</summary>
    public const string TextOutputRule = "Falco text output";

    /// <summary>Reads <c>application/json</c>: one alert object or an array of them.</summary>
    public static AlertReadResult ReadJson(ReadOnlySpan<byte> body)
    {
        if (IsBlank(body)) return AlertReadResult.Fail("body", "The body is empty; send a Falco alert as JSON.");
        JsonElement root;
        try
        {
            // Parsed into memory of its own (not pooled): the alerts keep their output_fields values in it.
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = DocumentOptions.MaxDepth });
            root = JsonElement.ParseValue(ref reader);
            if (reader.TrySkip() && reader.BytesConsumed < body.Length && !IsBlank(body[(int)reader.BytesConsumed..]))
                return AlertReadResult.Fail("body", "Unexpected data after the JSON value (send JSON Lines as application/x-ndjson).");
        }
        catch (JsonException e)
        {
            return AlertReadResult.Fail("body", $"The body is not valid JSON: {Describe(e)}");
        }
        {
            if (root.ValueKind == JsonValueKind.Object)
            {
                var errors = new List<AlertError>();
                var alert = FromElement(root, "", errors);
                return errors.Count == 0 ? new([alert!], []) : new([], errors);
            }
            if (root.ValueKind == JsonValueKind.Array)
            {
                var alerts = new List<FalcoAlert>(root.GetArrayLength());
                var errors = new List<AlertError>();
                var index = 0;
                foreach (var item in root.EnumerateArray())
                {
                    var alert = FromElement(item, $"[{index}]", errors);
                    if (alert is not null) alerts.Add(alert);
                    index++;
                }
                if (index == 0) return AlertReadResult.Fail("body", "The array is empty; send at least one alert.");
                return errors.Count == 0 ? new(alerts, []) : new([], errors);
            }
            return AlertReadResult.Fail("body", $"Expected a JSON object or array, got {Kind(root.ValueKind)}.");
        }
    }

    /// <summary>Reads <c>application/x-ndjson</c>: one alert object per line; blank lines are skipped.</summary>
    public static AlertReadResult ReadNdjson(ReadOnlySpan<byte> body)
    {
        var alerts = new List<FalcoAlert>();
        var errors = new List<AlertError>();
        var index = 0;
        while (!body.IsEmpty)
        {
            var newline = body.IndexOf((byte)'\n');
            var line = newline < 0 ? body : body[..newline];
            body = newline < 0 ? [] : body[(newline + 1)..];
            if (IsBlank(line)) continue;
            var path = $"[{index}]";
            try
            {
                using var document = JsonDocument.Parse(line.ToArray(), DocumentOptions);
                var alert = FromElement(document.RootElement, path, errors);
                if (alert is not null) alerts.Add(alert);
            }
            catch (JsonException e)
            {
                errors.Add(new AlertError(path, $"Line {index + 1} is not valid JSON: {Describe(e)}"));
            }
            index++;
        }
        if (index == 0) return AlertReadResult.Fail("body", "The body is empty; send one alert per line.");
        return errors.Count == 0 ? new(alerts, []) : new([], errors);
    }

    /// <summary>
    /// Reads Falco's text output (<c>json_output: false</c>): <c>HH:MM:SS.nnnnnnnnn: Priority message</c>, one
    /// alert per line. The line has no date, rule or source: the date is taken from <paramref name="now"/> and
    /// the rule is <see cref="TextOutputRule"/>.
    /// </summary>
    public static AlertReadResult ReadText(string body, DateTimeOffset now)
    {
        var alerts = new List<FalcoAlert>();
        var errors = new List<AlertError>();
        var index = 0;
        foreach (var raw in body.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line)) continue;
            var alert = FromTextLine(line, now, out var error);
            if (alert is null) errors.Add(new AlertError($"[{index}]", error!));
            else alerts.Add(alert);
            index++;
        }
        if (index == 0) return AlertReadResult.Fail("body", "The body is empty; send Falco's text output line.");
        return errors.Count == 0 ? new(alerts, []) : new([], errors);
    }

    private static FalcoAlert? FromTextLine(string line, DateTimeOffset now, out string? error)
    {
        error = null;
        // "<time>: <Priority> <message>"; the time is HH:MM:SS.nnnnnnnnn or, with time_format_iso_8601, RFC 3339.
        var colonSpace = line.IndexOf(": ", StringComparison.Ordinal);
        if (colonSpace <= 0)
        {
            error = "Expected Falco's text line 'HH:MM:SS.nnnnnnnnn: Priority message'.";
            return null;
        }
        var timeText = line[..colonSpace];
        var rest = line[(colonSpace + 2)..];
        var space = rest.IndexOf(' ');
        var priorityText = space < 0 ? rest : rest[..space];
        if (!Priorities.TryParse(priorityText, out var priority))
        {
            error = $"Unknown priority '{priorityText}'; expected one of {Priorities.Names}.";
            return null;
        }
        if (!TryParseTextTime(timeText, now, out var time))
        {
            error = $"Bad time '{timeText}'; expected HH:MM:SS.nnnnnnnnn or RFC 3339.";
            return null;
        }
        return new FalcoAlert
        {
            Rule = TextOutputRule,
            Priority = priority,
            Time = time,
            Output = line,
        };
    }

    private static bool TryParseTextTime(string text, DateTimeOffset now, out FalcoTime time)
    {
        if (FalcoTime.TryParse(text, out time)) return true;
        // HH:MM:SS[.fraction]: a time of day on the receiver's (UTC) date; a time more than an hour ahead of
        // now belongs to yesterday (an alert sent just before midnight, received just after).
        var date = now.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        if (text.Length < 8 || text[2] != ':' || text[5] != ':') return false;
        if (!FalcoTime.TryParse($"{date}T{text}Z", out time)) return false;
        if (time.ToDateTimeOffset() > now.AddHours(1))
            time = new FalcoTime(time.UnixNanoseconds - 86_400_000_000_000L);
        return true;
    }

    /// <summary>Builds an alert from one JSON object, adding an error per bad field under <paramref name="path"/>.</summary>
    /// <remarks>
    /// The alert keeps its <c>output_fields</c> and unknown values as elements of one copy of the object (none when
    /// <paramref name="element"/>'s document is not disposable, as <see cref="ReadJson"/>'s is not), instead of a
    /// copy per value.
    /// </remarks>
    public static FalcoAlert? FromElement(JsonElement element, string path, List<AlertError> errors)
    {
        string At(string field) => path.Length == 0 ? field : $"{path}.{field}";
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new AlertError(path.Length == 0 ? "body" : path, $"Expected an alert object, got {Kind(element.ValueKind)}."));
            return null;
        }
        element = element.Clone();
        var before = errors.Count;
        string? rule = null, output = null, source = null, hostname = null;
        Priority priority = default;
        FalcoTime time = default;
        bool hasPriority = false, hasTime = false;
        List<string> tags = [];
        Dictionary<string, JsonElement>? outputFields = null;
        Dictionary<string, JsonElement>? extra = null;

        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            switch (KnownName(property))
            {
                case "rule":
                    if (value.ValueKind != JsonValueKind.String) errors.Add(new(At("rule"), $"Expected a string, got {Kind(value.ValueKind)}."));
                    else rule = value.GetString();
                    break;
                case "priority":
                    hasPriority = true;
                    if (value.ValueKind != JsonValueKind.String || !Priorities.TryParse(value.GetString(), out priority))
                        errors.Add(new(At("priority"), $"Unknown priority {value.GetRawText()}; expected one of {Priorities.Names}."));
                    break;
                case "time":
                    hasTime = true;
                    if (value.ValueKind != JsonValueKind.String || !FalcoTime.TryParse(value.GetString(), out time))
                        errors.Add(new(At("time"), $"Bad time {value.GetRawText()}; expected RFC 3339 such as 2023-05-25T13:44:05.478445995Z."));
                    break;
                case "output":
                    if (value.ValueKind == JsonValueKind.String) output = value.GetString();
                    else if (value.ValueKind != JsonValueKind.Null) errors.Add(new(At("output"), $"Expected a string, got {Kind(value.ValueKind)}."));
                    break;
                case "source":
                    if (value.ValueKind == JsonValueKind.String) source = value.GetString();
                    else if (value.ValueKind != JsonValueKind.Null) errors.Add(new(At("source"), $"Expected a string, got {Kind(value.ValueKind)}."));
                    break;
                case "hostname":
                    if (value.ValueKind == JsonValueKind.String) hostname = value.GetString();
                    else if (value.ValueKind != JsonValueKind.Null) errors.Add(new(At("hostname"), $"Expected a string, got {Kind(value.ValueKind)}."));
                    break;
                case "tags":
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        var i = 0;
                        foreach (var tag in value.EnumerateArray())
                        {
                            if (tag.ValueKind == JsonValueKind.String) tags.Add(tag.GetString()!);
                            else errors.Add(new(At($"tags[{i}]"), $"Expected a string, got {Kind(tag.ValueKind)}."));
                            i++;
                        }
                    }
                    else if (value.ValueKind != JsonValueKind.Null) errors.Add(new(At("tags"), $"Expected an array of strings, got {Kind(value.ValueKind)}."));
                    break;
                case "output_fields":
                    if (value.ValueKind == JsonValueKind.Object)
                    {
                        outputFields = new Dictionary<string, JsonElement>(value.GetPropertyCount(), StringComparer.Ordinal);
                        foreach (var field in value.EnumerateObject()) outputFields[field.Name] = field.Value;
                    }
                    else if (value.ValueKind != JsonValueKind.Null) errors.Add(new(At("output_fields"), $"Expected an object, got {Kind(value.ValueKind)}."));
                    break;
                default:
                    (extra ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal))[property.Name] = value;
                    break;
            }
        }
        if (rule is null) { if (!errors.Any(e => e.Field == At("rule"))) errors.Add(new(At("rule"), "The rule is required.")); }
        else if (string.IsNullOrWhiteSpace(rule)) errors.Add(new(At("rule"), "The rule must not be empty."));
        if (!hasPriority) errors.Add(new(At("priority"), "The priority is required."));
        if (!hasTime) errors.Add(new(At("time"), "The time is required (RFC 3339)."));
        if (errors.Count > before) return null;

        return new FalcoAlert
        {
            Rule = rule!,
            Priority = priority,
            Time = time,
            Output = output ?? "",
            Source = source,
            Hostname = hostname,
            Tags = tags,
            OutputFields = outputFields,
            Extra = (IReadOnlyDictionary<string, JsonElement>?)extra ?? FalcoAlert.NoExtra,
        };
    }

    /// <summary>The property's name when it is one the switch above handles (compared as UTF-8, no string made); else its name.</summary>
    private static string KnownName(JsonProperty property) =>
        property.NameEquals("rule"u8) ? "rule" :
        property.NameEquals("priority"u8) ? "priority" :
        property.NameEquals("time"u8) ? "time" :
        property.NameEquals("output"u8) ? "output" :
        property.NameEquals("output_fields"u8) ? "output_fields" :
        property.NameEquals("source"u8) ? "source" :
        property.NameEquals("hostname"u8) ? "hostname" :
        property.NameEquals("tags"u8) ? "tags" :
        property.Name;

    private static bool IsBlank(ReadOnlySpan<byte> bytes) => JsonWords.IsBlank(bytes);

    private static string Describe(JsonException e) =>
        e.LineNumber is { } line ? $"{FirstSentence(e.Message)} (line {line + 1}, byte {e.BytePositionInLine + 1})." : FirstSentence(e.Message);

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }

    private static string Kind(JsonValueKind kind) => JsonWords.Kind(kind);

    /// <summary>Decodes a text body as UTF-8, replacing invalid bytes.</summary>
    public static string DecodeText(ReadOnlySpan<byte> body) => Encoding.UTF8.GetString(body);
}
