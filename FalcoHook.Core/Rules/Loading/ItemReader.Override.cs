namespace FalcoHook.Core.Rules.Loading;

/// <summary>The <c>override</c> and <c>append</c> keys, validated as Falco does.</summary>
internal sealed partial class ItemReader
{
    /// <summary>
    /// Reads <c>override</c> and <c>append</c>. Returns false (after reporting) when they are invalid: an unknown
    /// mode, a key that cannot be appended/replaced, both modes for one key, a listed key missing from the
    /// item, an overridable key present but not listed, or override mixed with <c>append: true</c>.
    /// </summary>
    private bool TryReadOverride(YMapping map, Dictionary<string, YNode> keys, IReadOnlySet<string> appendable,
        IReadOnlySet<string> replaceable, out Dictionary<string, string>? overrides, out bool append)
    {
        overrides = null;
        append = false;
        if (keys.TryGetValue("append", out var appendNode))
        {
            if (!TryBool(appendNode, out append)) return false;
            if (append && _kind != "rule")
                Warn(appendNode, $"'append: true' is deprecated; use override: {{{(_kind == "list" ? "items" : "condition")}: append}}");
        }
        var overrideNodes = map.Entries.Where(e => e.Key.Value == "override").Select(e => e.Value).ToList();
        if (overrideNodes.Count == 0) return true;
        if (append)
        {
            Error(appendNode!, "'override' and 'append: true' cannot be used together");
            return false;
        }
        overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        var ok = true;
        foreach (var node in overrideNodes)
        {
            if (node is not YMapping overrideMap)
            {
                Error(node, "'override' must be a mapping of key: append|replace");
                return false;
            }
            foreach (var (key, value) in overrideMap.Entries)
            {
                var mode = (value as YScalar)?.Value;
                if (mode is not ("append" or "replace"))
                {
                    Error(value, $"override of '{key.Value}' must be 'append' or 'replace'");
                    ok = false;
                    continue;
                }
                if (overrides.TryGetValue(key.Value, out var previous))
                {
                    Error(key, previous == mode
                        ? $"override lists key '{key.Value}' twice"
                        : $"key '{key.Value}' cannot be both appended and replaced");
                    ok = false;
                    continue;
                }
                var allowed = mode == "append" ? appendable : replaceable;
                if (!allowed.Contains(key.Value))
                {
                    Error(key, $"key '{key.Value}' cannot be {(mode == "append" ? "appended" : "replaced")}");
                    ok = false;
                    continue;
                }
                if (!keys.ContainsKey(key.Value))
                {
                    Error(key, $"override of '{key.Value}' given but the item has no '{key.Value}' key");
                    ok = false;
                    continue;
                }
                overrides[key.Value] = mode;
            }
        }
        foreach (var (key, value) in map.Entries)
        {
            if ((appendable.Contains(key.Value) || replaceable.Contains(key.Value)) && !overrides.ContainsKey(key.Value) && ok)
            {
                Error(key, $"key '{key.Value}' is not listed in 'override'; say whether it appends or replaces");
                ok = false;
            }
        }
        return ok;
    }

    private static YNode AppendNodeOf(YMapping map) => map.Entries.First(e => e.Key.Value == "append").Value;

    /// <summary>Macro and list names are identifiers (they are substituted into conditions by name).</summary>
    private bool IsIdentifier(YNode node, string name)
    {
        var ok = char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        if (!ok) Error(node, $"{_kind} name '{name}' is not an identifier (a letter, then letters, digits or '_')");
        return ok;
    }

    private void WarnUnknownKeys(YMapping map, string[] known)
    {
        foreach (var (key, _) in map.Entries)
            if (Array.IndexOf(known, key.Value) < 0)
                Warn(key, $"unknown key '{key.Value}' ignored");
    }
}
