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
    /// <summary>Deepest nesting accepted in an alert body; Falco's alerts nest three levels.</summary>
    public const int MaxDepth = 64;

    /// <summary>Most alerts taken in one request (a JSON array or JSON Lines); Falco's http_output sends one.</summary>
    public const int MaxAlerts = 10_000;

    /// <summary>Longest JSON Lines line, in bytes.</summary>
    public const int MaxLineBytes = 256 * 1024;

    /// <summary>Most <c>output_fields</c> entries of one alert (a Falco rule's output names a few dozen fields).</summary>
    public const int MaxOutputFields = 512;

    /// <summary>Most tags of one alert.</summary>
    public const int MaxTags = 256;

    /// <summary>Most properties of one alert that are not Falco's own (kept as they came).</summary>
    public const int MaxOtherProperties = 64;

    /// <summary>At most this many problems are listed in an answer; the rest are counted in one more entry.</summary>
    public const int MaxErrors = 100;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    /// <summary>The rule name given to alerts from Falco's text output, which does not name the rule.</summary>
    public const string TextOutputRule = "Falco text output";

    /// <summary>Reads <c>application/json</c>: one alert object or an array of them.</summary>
    /// <remarks>Work is linear in the body; <paramref name="cancellationToken"/> (the request's) stops it between items.</remarks>
    public static AlertReadResult ReadJson(ReadOnlySpan<byte> body, CancellationToken cancellationToken = default)
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
        if (root.ValueKind == JsonValueKind.Object)
        {
            var errors = new Errors();
            var alert = FromElement(root, "", errors.List);
            errors.Cap();
            return errors.Total == 0 ? new([alert!], []) : new([], errors.ToList());
        }
        if (root.ValueKind == JsonValueKind.Array)
        {
            var count = root.GetArrayLength();
            if (count == 0) return AlertReadResult.Fail("body", "The array is empty; send at least one alert.");
            if (count > MaxAlerts) return TooMany(MaxAlerts);
            var alerts = new List<FalcoAlert>(count);
            var errors = new Errors();
            var index = 0;
            foreach (var item in root.EnumerateArray())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var alert = FromElement(item, Index(index), errors.List);
                errors.Cap();
                if (alert is not null && errors.Total == 0) alerts.Add(alert);
                index++;
            }
            return errors.Total == 0 ? new(alerts, []) : new([], errors.ToList());
        }
        return AlertReadResult.Fail("body", $"Expected a JSON object or array, got {Kind(root.ValueKind)}.");
    }

    /// <summary>Reads <c>application/x-ndjson</c>: one alert object per line; blank lines are skipped.</summary>
    /// <remarks>
    /// Work is linear in the body; <paramref name="cancellationToken"/> (the request's) stops it between lines. A
    /// file read offline (the CLI's replay) may hold more than <see cref="MaxAlerts"/>: it passes its own limit.
    /// </remarks>
    public static AlertReadResult ReadNdjson(ReadOnlySpan<byte> body, CancellationToken cancellationToken = default, int maxAlerts = MaxAlerts)
    {
        var alerts = new List<FalcoAlert>();
        var errors = new Errors();
        var index = 0;
        while (!body.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var newline = body.IndexOf((byte)'\n');
            var line = newline < 0 ? body : body[..newline];
            body = newline < 0 ? [] : body[(newline + 1)..];
            if (IsBlank(line)) continue;
            if (index == maxAlerts) return TooMany(maxAlerts);
            var path = Index(index);
            if (line.Length > MaxLineBytes)
            {
                errors.List.Add(new AlertError(path, $"Line {index + 1} is {line.Length} bytes; a line may be at most {MaxLineBytes}."));
            }
            else
            {
                try
                {
                    using var document = JsonDocument.Parse(line.ToArray(), DocumentOptions);
                    var alert = FromElement(document.RootElement, path, errors.List);
                    if (alert is not null && errors.Total == 0) alerts.Add(alert);
                }
                catch (JsonException e)
                {
                    errors.List.Add(new AlertError(path, $"Line {index + 1} is not valid JSON: {Describe(e)}"));
                }
            }
            errors.Cap();
            index++;
        }
        if (index == 0) return AlertReadResult.Fail("body", "The body is empty; send one alert per line.");
        return errors.Total == 0 ? new(alerts, []) : new([], errors.ToList());
    }

    private static AlertReadResult TooMany(int limit) =>
        AlertReadResult.Fail("body", $"The body holds more than {limit} alerts; at most {limit} are taken per request. Nothing was accepted.");

    private static string Index(int index) => index < SmallIndexes.Length ? SmallIndexes[index] : $"[{index}]";

    private static readonly string[] SmallIndexes = Enumerable.Range(0, 16).Select(i => $"[{i}]").ToArray();

    /// <summary>
    /// The problems of a body: the first <see cref="MaxErrors"/> kept, the rest only counted, so a body of many bad
    /// items costs time and memory linear in its size and answers with a bounded list.
    /// </summary>
    private struct Errors()
    {
        public readonly List<AlertError> List = [];
        private int _dropped;

        public readonly int Total => List.Count + _dropped;

        public void Cap()
        {
            if (List.Count <= MaxErrors) return;
            _dropped += List.Count - MaxErrors;
            List.RemoveRange(MaxErrors, List.Count - MaxErrors);
        }

        public readonly List<AlertError> ToList()
        {
            if (_dropped > 0) List.Add(new AlertError("body", $"…and {_dropped} more problem(s) not listed."));
            return List;
        }
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
        bool hasPriority = false, hasTime = false, ruleReported = false, tooManyReported = false;
        List<string> tags = [];
        Dictionary<string, JsonElement>? outputFields = null;
        Dictionary<string, JsonElement>? extra = null;

        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            switch (KnownName(property))
            {
                case Field.Rule:
                    ruleReported = true;
                    if (value.ValueKind != JsonValueKind.String) Add(At("rule"), $"Expected a string, got {Kind(value.ValueKind)}.");
                    else if (!JsonTextCheck.TryGetString(value, out rule)) Add(At("rule"), JsonTextCheck.InvalidText);
                    break;
                case Field.Priority:
                    hasPriority = true;
                    string? priorityText = null;
                    if (value.ValueKind == JsonValueKind.String && !JsonTextCheck.TryGetString(value, out priorityText))
                        Add(At("priority"), JsonTextCheck.InvalidText);
                    else if (value.ValueKind != JsonValueKind.String || !Priorities.TryParse(priorityText, out priority))
                        Add(At("priority"), $"Unknown priority {JsonTextCheck.RawText(value)}; expected one of {Priorities.Names}.");
                    break;
                case Field.Time:
                    hasTime = true;
                    string? timeText = null;
                    if (value.ValueKind == JsonValueKind.String && !JsonTextCheck.TryGetString(value, out timeText))
                        Add(At("time"), JsonTextCheck.InvalidText);
                    else if (value.ValueKind != JsonValueKind.String || !FalcoTime.TryParse(timeText, out time))
                        Add(At("time"), $"Bad time {JsonTextCheck.RawText(value)}; expected RFC 3339 such as 2023-05-25T13:44:05.478445995Z, " +
                                        $"between {FalcoTime.MinValue} and {FalcoTime.MaxValue} (Falco's nanoseconds since 1970 in 64 bits).");
                    break;
                case Field.Output:
                    output = OptionalString(value, "output");
                    break;
                case Field.Source:
                    source = OptionalString(value, "source");
                    break;
                case Field.Hostname:
                    hostname = OptionalString(value, "hostname");
                    break;
                case Field.Tags:
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        if (value.GetArrayLength() > MaxTags)
                        {
                            Add(At("tags"), $"An alert may have at most {MaxTags} tags.");
                            break;
                        }
                        var i = 0;
                        foreach (var tag in value.EnumerateArray())
                        {
                            if (tag.ValueKind != JsonValueKind.String) Add(At($"tags[{i}]"), $"Expected a string, got {Kind(tag.ValueKind)}.");
                            else if (!JsonTextCheck.TryGetString(tag, out var text)) Add(At($"tags[{i}]"), JsonTextCheck.InvalidText);
                            else tags.Add(text!);
                            i++;
                        }
                    }
                    else if (value.ValueKind != JsonValueKind.Null) Add(At("tags"), $"Expected an array of strings, got {Kind(value.ValueKind)}.");
                    break;
                case Field.OutputFields:
                    if (value.ValueKind == JsonValueKind.Object)
                    {
                        var count = value.GetPropertyCount();
                        if (count > MaxOutputFields)
                        {
                            Add(At("output_fields"), $"An alert may have at most {MaxOutputFields} output_fields, got {count}.");
                            break;
                        }
                        outputFields = new Dictionary<string, JsonElement>(count, StringComparer.Ordinal);
                        foreach (var field in value.EnumerateObject())
                        {
                            if (!JsonTextCheck.TryGetName(field, out var key)) Add(At("output_fields"), "A key: " + JsonTextCheck.InvalidText);
                            else if (!JsonTextCheck.IsValid(field.Value)) Add(At($"output_fields.{key}"), JsonTextCheck.InvalidText);
                            else outputFields[key] = field.Value;
                        }
                    }
                    else if (value.ValueKind != JsonValueKind.Null) Add(At("output_fields"), $"Expected an object, got {Kind(value.ValueKind)}.");
                    break;
                default:
                    if (!JsonTextCheck.TryGetName(property, out var name)) Add(path.Length == 0 ? "body" : path, "A property name: " + JsonTextCheck.InvalidText);
                    else if (!JsonTextCheck.IsValid(value)) Add(At(name), JsonTextCheck.InvalidText);
                    else if ((extra ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal)).Count < MaxOtherProperties || extra.ContainsKey(name))
                        extra[name] = value;
                    else if (!tooManyReported)
                    {
                        tooManyReported = true;
                        Add(path.Length == 0 ? "body" : path, $"An alert may have at most {MaxOtherProperties} properties besides Falco's own.");
                    }
                    break;
            }
        }
        if (rule is null) { if (!ruleReported) Add(At("rule"), "The rule is required."); } // else its error is listed
        else if (string.IsNullOrWhiteSpace(rule)) Add(At("rule"), "The rule must not be empty.");
        if (!hasPriority) Add(At("priority"), "The priority is required.");
        if (!hasTime) Add(At("time"), "The time is required (RFC 3339).");
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

        void Add(string field, string message) => errors.Add(new AlertError(field, message));

        // A string or null; anything else, or text that is not valid, is an error.
        string? OptionalString(JsonElement value, string field)
        {
            if (value.ValueKind == JsonValueKind.String)
            {
                if (JsonTextCheck.TryGetString(value, out var text)) return text;
                Add(At(field), JsonTextCheck.InvalidText);
            }
            else if (value.ValueKind != JsonValueKind.Null) Add(At(field), $"Expected a string, got {Kind(value.ValueKind)}.");
            return null;
        }
    }

    private enum Field { Other, Rule, Priority, Time, Output, OutputFields, Source, Hostname, Tags }

    /// <summary>
    /// Which of Falco's own properties this is, compared as UTF-8 (no string made). A name with an unpaired surrogate
    /// escape cannot be compared (<see cref="JsonProperty.NameEquals(ReadOnlySpan{byte})"/> throws): it is
    /// <see cref="Field.Other"/>, whose reading names it as not valid text.
    /// </summary>
    private static Field KnownName(JsonProperty property)
    {
        try
        {
            return KnownValidName(property);
        }
        catch (InvalidOperationException)
        {
            return Field.Other;
        }
    }

    private static Field KnownValidName(JsonProperty property) =>
        property.NameEquals("rule"u8) ? Field.Rule :
        property.NameEquals("priority"u8) ? Field.Priority :
        property.NameEquals("time"u8) ? Field.Time :
        property.NameEquals("output"u8) ? Field.Output :
        property.NameEquals("output_fields"u8) ? Field.OutputFields :
        property.NameEquals("source"u8) ? Field.Source :
        property.NameEquals("hostname"u8) ? Field.Hostname :
        property.NameEquals("tags"u8) ? Field.Tags :
        Field.Other;

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
