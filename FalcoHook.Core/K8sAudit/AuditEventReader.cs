using System.Runtime.InteropServices;
using System.Text.Json;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.K8sAudit;

/// <summary>
/// Reads Kubernetes audit events from what kube-apiserver's audit webhook sends (an <c>audit.k8s.io</c>
/// <c>EventList</c>), from a single <c>Event</c>, from a JSON array of events, or from JSON Lines (an audit log
/// file, one event or list per line). All or nothing: a body with any bad event yields only errors.
/// </summary>
public static class AuditEventReader
{
    /// <summary>Deepest nesting accepted; real audit events stay well under 32.</summary>
    public const int MaxDepth = 64;

    /// <summary>At most this many errors are listed; the rest are counted.</summary>
    public const int MaxErrors = 50;

    /// <summary>
    /// Most events in one body read by <see cref="Read"/> (kube-apiserver sends at most 400 per batch by default,
    /// <c>--audit-webhook-batch-max-size</c>, and buffers 10,000).
    /// </summary>
    public const int MaxEvents = 10_000;

    /// <summary>
    /// The <c>apiVersion</c>s taken. <c>audit.k8s.io/v1</c> is what kube-apiserver sends; <c>v1beta1</c> is what
    /// clusters up to Kubernetes 1.23 send when started with <c>--audit-webhook-version=audit.k8s.io/v1beta1</c>
    /// (and what Falco's own audit test traces carry): its events have every field the rules read.
    /// </summary>
    public static readonly IReadOnlyList<string> ApiVersions = ["audit.k8s.io/v1", "audit.k8s.io/v1beta1"];

    /// <summary>Reads one JSON value: an <c>EventList</c>, an <c>Event</c> or an array of events (parsed into a copy of <paramref name="body"/>).</summary>
    public static AuditReadResult Read(ReadOnlySpan<byte> body)
    {
        if (AuditJson.IsBlank(body)) return AuditReadResult.Fail("body", "The body is empty; send an audit.k8s.io EventList.");
        if (!AuditJson.TryParse(body, out var document, out var parseError))
            return AuditReadResult.Fail("body", $"The body is not valid JSON: {parseError}");
        return ReadParsed(body, document);
    }

    /// <summary>
    /// As <see cref="Read(ReadOnlySpan{byte})"/>, without copying <paramref name="body"/>: the events point into it, so
    /// it must stay unchanged until the result is disposed (a request's pooled body, given back after the result).
    /// </summary>
    public static AuditReadResult Read(ReadOnlyMemory<byte> body)
    {
        // A body that does not parse is read again by the copying reader, whose error messages say where and why.
        return AuditJson.TryParseInPlace(body) is { } document ? ReadParsed(body.Span, document) : Read(body.Span);
    }

    private static AuditReadResult ReadParsed(ReadOnlySpan<byte> body, JsonDocument document)
    {
        var documents = new List<JsonDocument> { document };
        if (CountEvents(document.RootElement) is var count and > MaxEvents)
            return AuditReadResult.Failure([new AlertError("body", $"The body holds {count} events; at most {MaxEvents} are taken per request.")], documents);
        var events = new List<AuditEvent>();
        var errors = new List<AlertError>();
        if (!InvalidText(body, document.RootElement, "", errors)) ReadValue(document.RootElement, "", events, errors);
        return Finish(events, errors, documents);
    }

    /// <summary>
    /// How many events a body's top-level value lists (an array, or an object's <c>items</c> array). A property name
    /// with an unpaired surrogate escape makes looking up <c>items</c> throw; such a body counts as one event, and the
    /// check for text that is not valid then names it.
    /// </summary>
    private static int CountEvents(JsonElement root)
    {
        try
        {
            return root.ValueKind == JsonValueKind.Array ? root.GetArrayLength()
                : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("items"u8, out var items) && items.ValueKind == JsonValueKind.Array
                    ? items.GetArrayLength()
                    : 1;
        }
        catch (InvalidOperationException)
        {
            return 1;
        }
    }

    /// <summary>
    /// Adds an error naming the first string that is not valid text (invalid UTF-8, an unpaired surrogate escape),
    /// which the rules could not read; the tree is walked only when a quick look at the bytes finds a suspect.
    /// </summary>
    private static bool InvalidText(ReadOnlySpan<byte> json, JsonElement root, string prefix, List<AlertError> errors)
    {
        if (!JsonTextCheck.MayHoldInvalidText(json) || JsonTextCheck.FindInvalid(root, prefix) is not { } path) return false;
        errors.Add(new AlertError(path.Length == 0 ? "body" : path, JsonTextCheck.InvalidText));
        return true;
    }

    /// <summary>
    /// Reads JSON Lines: each non-blank line is an <c>Event</c>, an <c>EventList</c> or an array of events.
    /// Error paths start with the line's index among non-blank lines (<c>[3].auditID</c>); messages name the line.
    /// </summary>
    public static AuditReadResult ReadJsonLines(ReadOnlySpan<byte> body)
    {
        var documents = new List<JsonDocument>();
        var events = new List<AuditEvent>();
        var errors = new List<AlertError>();
        var index = 0;
        var lineNumber = 0;
        while (!body.IsEmpty)
        {
            lineNumber++;
            var newline = body.IndexOf((byte)'\n');
            var line = newline < 0 ? body : body[..newline];
            body = newline < 0 ? [] : body[(newline + 1)..];
            if (AuditJson.IsBlank(line)) continue;
            var prefix = $"[{index}]";
            if (AuditJson.TryParse(line, out var document, out var parseError))
            {
                documents.Add(document);
                var before = errors.Count;
                if (!InvalidText(line, document.RootElement, prefix, errors)) ReadValue(document.RootElement, prefix, events, errors);
                for (var i = before; i < errors.Count; i++)
                    errors[i] = errors[i] with { Message = $"Line {lineNumber}: {errors[i].Message}" };
            }
            else
            {
                errors.Add(new AlertError(prefix, $"Line {lineNumber} is not valid JSON: {parseError}"));
            }
            index++;
        }
        if (index == 0) return AuditReadResult.Failure([new AlertError("body", "The body is empty; send one audit event per line.")], documents);
        return Finish(events, errors, documents);
    }

    private static AuditReadResult Finish(List<AuditEvent> events, List<AlertError> errors, List<JsonDocument> documents)
    {
        if (errors.Count == 0) return AuditReadResult.Success(events, documents);
        if (errors.Count > MaxErrors)
        {
            var more = errors.Count - MaxErrors;
            errors.RemoveRange(MaxErrors, more);
            errors.Add(new AlertError("body", $"…and {more} more errors."));
        }
        return AuditReadResult.Failure(errors, documents);
    }

    private static void ReadValue(JsonElement root, string prefix, List<AuditEvent> events, List<AlertError> errors)
    {
        switch (root.ValueKind)
        {
            case JsonValueKind.Array:
                ReadItems(root, prefix, events, errors);
                return;
            case JsonValueKind.Object:
                break;
            default:
                errors.Add(new(prefix.Length == 0 ? "body" : prefix,
                    $"Expected an audit EventList, an Event or an array of events, got {AuditJson.Kind(root.ValueKind)}."));
                return;
        }

        if (root.TryGetProperty("kind"u8, out var kind))
        {
            if (kind.ValueKind != JsonValueKind.String)
            {
                errors.Add(new(AuditJson.Join(prefix, "kind"), $"Expected a string, got {AuditJson.Kind(kind.ValueKind)}."));
                return;
            }
            if (kind.ValueEquals("EventList"u8)) { if (ApiVersionIsAudit(root, prefix, errors)) ReadList(root, prefix, events, errors); }
            else if (kind.ValueEquals("Event"u8)) ReadEvent(root, prefix, -1, events, errors);
            else errors.Add(new(AuditJson.Join(prefix, "kind"),
                $"Expected kind \"EventList\" or \"Event\" (audit.k8s.io), got {JsonTextCheck.RawText(kind)}."));
            return;
        }
        if (root.TryGetProperty("items"u8, out _)) errors.Add(new(AuditJson.Join(prefix, "kind"), "An EventList needs kind \"EventList\"."));
        else if (root.TryGetProperty("auditID"u8, out _)) ReadEvent(root, prefix, -1, events, errors);
        else errors.Add(new(prefix.Length == 0 ? "body" : prefix,
            "Expected an audit EventList (kind and items) or an Event (with auditID)."));
    }

    private static void ReadList(JsonElement list, string prefix, List<AuditEvent> events, List<AlertError> errors)
    {
        var itemsPath = AuditJson.Join(prefix, "items");
        if (!list.TryGetProperty("items"u8, out var items) || items.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new(itemsPath, "An EventList needs items, an array of audit events."));
            return;
        }
        if (items.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new(itemsPath, $"Expected an array of audit events, got {AuditJson.Kind(items.ValueKind)}."));
            return;
        }
        ReadItems(items, itemsPath, events, errors);
    }

    private static void ReadItems(JsonElement items, string path, List<AuditEvent> events, List<AlertError> errors)
    {
        var index = 0;
        foreach (var item in items.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
                errors.Add(new($"{path}[{index}]", $"Expected an audit event object, got {AuditJson.Kind(item.ValueKind)}."));
            else
                ReadEvent(item, path, index, events, errors);
            index++;
        }
    }

    /// <summary>Reads one event object; its error path is <paramref name="path"/>, with <c>[index]</c> when index ≥ 0 (built only on error).</summary>
    private static void ReadEvent(JsonElement element, string path, int index, List<AuditEvent> events, List<AlertError> errors)
    {
        var before = errors.Count;
        string At(string field) => AuditJson.Join(index < 0 ? path : $"{path}[{index}]", field);
        var header = EventHeader.Of(element);

        if (header.Kind is { ValueKind: not JsonValueKind.Undefined } kind && !(kind.ValueKind == JsonValueKind.String && kind.ValueEquals("Event"u8)))
            errors.Add(new(At("kind"), $"Expected kind \"Event\", got {JsonTextCheck.RawText(kind)}."));
        if (header.ApiVersion is { ValueKind: not JsonValueKind.Undefined } version && !IsAuditVersion(version))
            errors.Add(new(At("apiVersion"), BadVersion(version)));

        var id = header.AuditId;
        if (id.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            errors.Add(new(At("auditID"), "An audit event needs an auditID."));
        else if (id.ValueKind != JsonValueKind.String || id.ValueEquals(""u8))
            errors.Add(new(At("auditID"), $"Expected a non-empty string, got {JsonTextCheck.RawText(id)}."));

        long time = 0;
        var stage = Timestamp(header.StageTimestamp, out var stageTime);
        if (stage == TimeState.Bad) errors.Add(new(At("stageTimestamp"), BadTime(header.StageTimestamp)));
        long receivedTime = 0;
        var received = stage == TimeState.Absent ? Timestamp(header.RequestReceivedTimestamp, out receivedTime) : TimeState.Absent;
        if (received == TimeState.Bad)
            errors.Add(new(At("requestReceivedTimestamp"), BadTime(header.RequestReceivedTimestamp)));

        if (stage == TimeState.Ok) time = stageTime;
        else if (received == TimeState.Ok) time = receivedTime;
        else if (stage == TimeState.Absent && received == TimeState.Absent)
            errors.Add(new(At("stageTimestamp"), "An audit event needs stageTimestamp or requestReceivedTimestamp (RFC 3339)."));

        if (errors.Count == before) events.Add(new AuditEvent(element, time));
    }

    private enum TimeState { Absent, Ok, Bad }

    /// <summary>A timestamp read from its UTF-8 bytes when it has the shape kube-apiserver writes, else from its text.</summary>
    private static TimeState Timestamp(JsonElement value, out long unixNanoseconds)
    {
        unixNanoseconds = 0;
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return TimeState.Absent;
        if (value.ValueKind != JsonValueKind.String) return TimeState.Bad;
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (!FalcoTime.TryParseUtc(raw[1..^1], out var time) && !FalcoTime.TryParse(value.GetString(), out time)) return TimeState.Bad;
        unixNanoseconds = time.UnixNanoseconds;
        return TimeState.Ok;
    }

    private static string BadTime(JsonElement value) =>
        $"Bad timestamp {JsonTextCheck.RawText(value)}; expected RFC 3339 such as 2024-05-01T10:00:00.123456Z, " +
        $"between {FalcoTime.MinValue} and {FalcoTime.MaxValue}.";

    /// <summary>False (with an error) when the object names an <c>apiVersion</c> other than <see cref="ApiVersions"/>; an absent one is taken.</summary>
    private static bool ApiVersionIsAudit(JsonElement element, string prefix, List<AlertError> errors)
    {
        if (!element.TryGetProperty("apiVersion"u8, out var version) || IsAuditVersion(version)) return true;
        errors.Add(new(AuditJson.Join(prefix, "apiVersion"), BadVersion(version)));
        return false;
    }

    private static bool IsAuditVersion(JsonElement version) =>
        version.ValueKind == JsonValueKind.String &&
        (version.ValueEquals("audit.k8s.io/v1"u8) || version.ValueEquals("audit.k8s.io/v1beta1"u8));

    private static string BadVersion(JsonElement version) =>
        $"Expected apiVersion {string.Join(" or ", ApiVersions.Select(v => $"\"{v}\""))}, got {JsonTextCheck.RawText(version)}.";
}
