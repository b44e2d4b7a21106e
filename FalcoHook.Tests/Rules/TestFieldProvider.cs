using System.Diagnostics.CodeAnalysis;
using FalcoHook.Core.Fields;

namespace FalcoHook.Tests.Rules;

/// <summary>An event of the test source: field name (with <c>[arg]</c> when it has one) to a string or string[].</summary>
public sealed class TestEvent : Dictionary<string, object?>
{
    public long Time { get; init; } = 1_700_000_000_123_456_789;
}

/// <summary>
/// A dictionary-backed source for tests: knows a fixed set of fields (any argument accepted), extracts
/// <c>name</c> or <c>name[arg]</c> from a <see cref="TestEvent"/>. Counts extractions so tests can see caching.
/// </summary>
public sealed class TestFieldProvider(string source = "test", params string[] fields) : IFieldProvider
{
    public static readonly string[] DefaultFields =
    [
        "proc.name", "proc.cmdline", "proc.pname", "proc.aname", "fd.name", "user.name", "evt.num", "evt.type",
        "ka.user.name", "ka.verb", "ka.uri", "ka.uri.param", "ka.target.name", "ka.target.resource",
        "ka.req.pod.containers.image", "ka.response.code", "container.image", "k8s.ns.name",
    ];

    private readonly HashSet<string> _fields = new(fields.Length > 0 ? fields : DefaultFields, StringComparer.Ordinal);

    public int Extractions { get; private set; }
    public string Source { get; } = source;

    public IReadOnlyList<FieldInfo> Fields =>
        _fields.Select(f => new FieldInfo(f, "test field", f == "ka.req.pod.containers.image", FieldArgument.Optional)).ToList();

    public bool TryResolve(string name, string? argument, [NotNullWhen(true)] out IFieldExtractor? extractor, [NotNullWhen(false)] out string? error)
    {
        extractor = null;
        error = null;
        if (!_fields.Contains(name))
        {
            error = $"unknown field '{name}' for source '{Source}'";
            return false;
        }
        extractor = new Extractor(this, argument is null ? name : $"{name}[{argument}]", name == "ka.req.pod.containers.image" && argument is null);
        return true;
    }

    public long GetEventTime(object evt) => ((TestEvent)evt).Time;

    private sealed class Extractor(TestFieldProvider owner, string key, bool isList) : IFieldExtractor
    {
        public bool IsList { get; } = isList;

        public FieldValue Extract(object evt)
        {
            owner.Extractions++;
            return ((TestEvent)evt).TryGetValue(key, out var value) ? value switch
            {
                string s => FieldValue.Of(s),
                string[] list => FieldValue.OfList(list),
                _ => FieldValue.Missing,
            } : FieldValue.Missing;
        }
    }
}
