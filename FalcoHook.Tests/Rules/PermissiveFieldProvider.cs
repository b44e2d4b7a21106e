using System.Diagnostics.CodeAnalysis;
using FalcoHook.Core.Fields;

namespace FalcoHook.Tests.Rules;

/// <summary>
/// Accepts every field under the given prefixes (a stand-in for the k8s_audit provider until it is merged),
/// extracting <c>name</c> or <c>name[arg]</c> from a <see cref="TestEvent"/>.
/// </summary>
public sealed class PermissiveFieldProvider(string source, params string[] prefixes) : IFieldProvider
{
    public string Source { get; } = source;
    public IReadOnlyList<FieldInfo> Fields => [];

    public bool TryResolve(string name, string? argument, [NotNullWhen(true)] out IFieldExtractor? extractor, [NotNullWhen(false)] out string? error)
    {
        extractor = null;
        error = null;
        if (!prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
        {
            error = $"unknown field '{name}'";
            return false;
        }
        extractor = new Extractor(argument is null ? name : $"{name}[{argument}]");
        return true;
    }

    public long GetEventTime(object evt) => ((TestEvent)evt).Time;

    private sealed class Extractor(string key) : IFieldExtractor
    {
        public bool IsList => false;
        public FieldValue Extract(object evt) => ((TestEvent)evt).TryGetValue(key, out var v) ? v switch
        {
            string s => FieldValue.Of(s),
            string[] l => FieldValue.OfList(l),
            _ => FieldValue.Missing,
        } : FieldValue.Missing;
    }
}
