using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Events;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace FalcoHook.Api.Ui.Events;

/// <summary>
/// The events page's filters, read from its query string with the REST API's names and rules
/// (<see cref="EventFilterParameters"/>: since, until, priority, rule, source, hostname, namespace, tags, q, decision,
/// <c>field.&lt;key&gt;=&lt;value&gt;</c>). The form's one output-field box sends <c>field=&lt;key&gt;=&lt;value&gt;</c>, read the same way.
/// </summary>
public sealed class EventFilter
{
    public const string DefaultSince = "24h";
    public static readonly IReadOnlyList<string> SinceChoices = ["15m", "1h", "6h", "24h", "7d", "30d"];

    private readonly Dictionary<string, StringValues> _values;

    private EventFilter(Dictionary<string, StringValues> values) => _values = values;

    public static EventFilter From(IQueryCollection query) =>
        new(query.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase));

    public string Get(string key) => _values.TryGetValue(key, out var value) ? value.ToString() : "";

    public string Since => _values.ContainsKey("since") ? Get("since") : DefaultSince;

    /// <summary>The output-field filter as one <c>key=value</c> text (the form's box).</summary>
    public string Field => Get("field") is { Length: > 0 } box ? box
        : _values.Where(p => p.Key.StartsWith(EventFilterParameters.FieldPrefix, StringComparison.OrdinalIgnoreCase))
            .Select(p => p.Key[EventFilterParameters.FieldPrefix.Length..] + "=" + p.Value).FirstOrDefault() ?? "";

    /// <summary>The store's query, or the errors by parameter.</summary>
    public EventQuery? ToQuery(DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        var raw = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in _values)
            if (key.StartsWith(EventFilterParameters.FieldPrefix, StringComparison.OrdinalIgnoreCase)) raw[key] = value;
        if (Get("field") is { Length: > 0 } box)
        {
            var split = box.IndexOf('=');
            if (split <= 0) errors["field"] = ["Write the output field filter as key=value (k8s.ns.name=payments)."];
            else raw[EventFilterParameters.FieldPrefix + box[..split].Trim()] = box[(split + 1)..].Trim();
        }
        var parameters = new EventFilterParameters(Since, Get("until"), Get("priority"), Get("rule"), Get("source"), Get("hostname"),
            Get("namespace"), Get("tags"), Get("q"), Get("decision"), Get("kind"));
        var query = parameters.ToQuery(new QueryCollection(raw), now, errors);
        return errors.Count > 0 ? null : query;
    }

    /// <summary>This filter's query string with <paramref name="changes"/> (null removes a key).</summary>
    public string With(params (string Key, string? Value)[] changes)
    {
        var values = new Dictionary<string, StringValues>(_values, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in changes)
        {
            if (value is null) values.Remove(key);
            else values[key] = value;
        }
        var pairs = values.Where(p => !StringValues.IsNullOrEmpty(p.Value))
            .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v)));
        return QueryHelpers.AddQueryString("", pairs);
    }
}
