using FalcoHook.Core.Alerts;
using YamlDotNet.Core;

namespace FalcoHook.Core.Rules.Loading;

/// <summary>
/// Reads rules files in order into <see cref="RuleDefinitions"/>, applying <c>override</c>, the deprecated
/// <c>append: true</c>, redefinitions and the enabled-only form the way Falco's rule loader does. Every
/// problem becomes a diagnostic with file, line, column and item; reading goes on with the next item.
/// </summary>
public static class RulesReader
{
    public static RuleDefinitions Read(IEnumerable<RulesFile> files)
    {
        var definitions = new RuleDefinitions();
        foreach (var file in files) Read(file, definitions);
        return definitions;
    }

    public static void Read(RulesFile file, RuleDefinitions definitions)
    {
        List<YNode?> documents;
        try
        {
            documents = YamlTree.Parse(file.Text);
        }
        catch (YamlException e)
        {
            definitions.Diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Error,
                "invalid YAML: " + YamlMessage(e), At(file, e.Start)));
            return;
        }
        catch (YamlTreeException e)
        {
            definitions.Diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Error, e.Message, At(file, e.At)));
            return;
        }
        var reader = new ItemReader(file, definitions);
        foreach (var document in documents)
        {
            if (document is null || document is YScalar { IsNull: true }) continue;
            if (document is not YSequence items)
            {
                reader.Error(document, "a rules file must be a YAML sequence of items (- rule: ..., - macro: ..., - list: ...)");
                continue;
            }
            foreach (var item in items.Items) reader.ReadItem(item);
        }
    }

    internal static SourceLocation At(RulesFile file, Mark mark) =>
        new(file.Name, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));

    private static string YamlMessage(YamlException e)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the location is reported separately.
        var message = e.Message;
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 && message.StartsWith('(') ? message[(cut + 3)..] : message;
    }
}

internal sealed partial class ItemReader(RulesFile file, RuleDefinitions definitions)
{
    private static readonly string[] RuleKeys =
    [
        "rule", "desc", "condition", "output", "priority", "source", "enabled", "tags", "exceptions", "override",
        "append", "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration",
    ];
    private static readonly string[] MacroKeys = ["macro", "condition", "override", "append"];
    private static readonly string[] ListKeys = ["list", "items", "override", "append"];
    private static readonly HashSet<string> ConditionKey = ["condition"];
    private static readonly HashSet<string> ItemsKey = ["items"];
    private static readonly HashSet<string> RuleAppendable = ["condition", "output", "desc", "tags", "exceptions"];
    private static readonly HashSet<string> RuleReplaceable =
    [
        "condition", "output", "desc", "priority", "tags", "exceptions", "enabled", "warn_evttypes",
        "skip-if-unknown-filter", "capture", "capture_duration",
    ];

    private string? _kind;
    private string? _name;

    public void ReadItem(YNode item)
    {
        _kind = null;
        _name = null;
        if (item is YScalar { IsNull: true }) return; // an empty item: Falco skips it too
        if (item is not YMapping map)
        {
            Error(item, "each item must be a mapping (- rule: ..., - macro: ..., - list: ...)");
            return;
        }
        var keys = new Dictionary<string, YNode>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Entries)
        {
            if (!keys.TryAdd(key.Value, value) && key.Value != "override")
                Error(key, $"key '{key.Value}' appears twice in one item");
        }
        if (keys.ContainsKey("rule")) ReadRule(map, keys);
        else if (keys.ContainsKey("macro")) ReadMacro(map, keys);
        else if (keys.ContainsKey("list")) ReadList(map, keys);
        else if (keys.TryGetValue("required_engine_version", out var version)) ReadEngineVersion(version);
        else if (keys.TryGetValue("required_plugin_versions", out var plugins)) ReadPluginVersions(plugins);
        else
        {
            var first = map.Entries.Count > 0 ? map.Entries[0].Key.Value : "";
            Warn(map, $"unknown top-level item '{first}': ignored");
        }
    }

    private void ReadRule(YMapping map, Dictionary<string, YNode> keys)
    {
        _kind = "rule";
        if (!TryName(keys["rule"], out var name)) return;
        _name = name;
        WarnUnknownKeys(map, RuleKeys);
        if (!TryReadOverride(map, keys, RuleAppendable, RuleReplaceable, out var overrides, out var append)) return;
        var existing = definitions.Rules.Find(name);

        if (overrides is not null)
        {
            if (existing is null)
            {
                Error(map, $"rule '{name}' has an override but no rule by that name is defined before it");
                return;
            }
            foreach (var (key, mode) in overrides)
            {
                if (mode == "append") AppendRuleKey(existing, key, keys[key]);
                else ReplaceRuleKey(existing, key, keys[key]);
            }
            return;
        }
        if (append)
        {
            if (existing is null)
            {
                Error(map, $"rule '{name}' has 'append: true' but no rule by that name is defined before it");
                return;
            }
            foreach (var (key, value) in keys)
            {
                if (key is "rule" or "append") continue;
                if (RuleAppendable.Contains(key)) AppendRuleKey(existing, key, value);
                else if (RuleReplaceable.Contains(key))
                    Error(value, $"key '{key}' cannot be appended; use override: {{{key}: replace}}");
            }
            return;
        }
        if (keys.Count == 2 && keys.TryGetValue("enabled", out var enabledOnly))
        {
            if (existing is null)
            {
                Error(map, $"rule '{name}' sets only 'enabled' but no rule by that name is defined before it");
                return;
            }
            if (TryBool(enabledOnly, out var enabled)) existing.Enabled = enabled;
            Warn(map, "setting only 'enabled' on an existing rule is deprecated; use override: {enabled: replace}");
            return;
        }

        var missing = new[] { "condition", "output", "desc", "priority" }.Where(k => !keys.ContainsKey(k)).ToList();
        if (missing.Count > 0)
        {
            Error(map, $"rule '{name}' misses required key{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(k => $"'{k}'"))}");
            return;
        }
        var rule = new RuleDefinition(name, At(map));
        var ok = true;
        foreach (var (key, value) in keys)
        {
            if (key is "rule" or "append" or "override") continue;
            if (RuleReplaceable.Contains(key)) ok &= ReplaceRuleKey(rule, key, value);
            else if (key == "source")
            {
                if (TryString(value, key, out var source)) rule.Source = source.Length == 0 ? "syscall" : source;
                else ok = false;
            }
        }
        if (ok) definitions.Rules.Set(name, rule);
    }

    private bool AppendRuleKey(RuleDefinition rule, string key, YNode value)
    {
        switch (key)
        {
            case "condition":
                if (!TryText(value, key, out var condition)) return false;
                rule.Condition = rule.Condition.Append(" ", condition);
                return true;
            case "output":
                if (!TryText(value, key, out var output)) return false;
                rule.Output = rule.Output.Append(" ", output);
                return true;
            case "desc":
                if (!TryString(value, key, out var desc)) return false;
                rule.Description = rule.Description + " " + desc;
                return true;
            case "tags":
                if (!TryStrings(value, key, out var tags)) return false;
                foreach (var tag in tags) if (!rule.Tags.Contains(tag)) rule.Tags.Add(tag);
                return true;
            case "exceptions":
                if (!TryExceptions(value, appending: true, out var exceptions)) return false;
                foreach (var exception in exceptions)
                {
                    var target = rule.Exceptions.Find(e => e.Name == exception.Name);
                    if (target is null)
                    {
                        if (exception.Fields.Count == 0)
                        {
                            Error(value, $"exception '{exception.Name}' is appended to but not defined; give its 'fields'");
                            return false;
                        }
                        rule.Exceptions.Add(exception);
                    }
                    else target.Values.AddRange(exception.Values);
                }
                return true;
        }
        return false;
    }

    private bool ReplaceRuleKey(RuleDefinition rule, string key, YNode value)
    {
        switch (key)
        {
            case "condition":
                if (!TryText(value, key, out var condition)) return false;
                rule.Condition = condition;
                return true;
            case "output":
                if (!TryText(value, key, out var output)) return false;
                rule.Output = output;
                return true;
            case "desc":
                if (!TryString(value, key, out var desc)) return false;
                rule.Description = desc;
                return true;
            case "priority":
                if (!TryString(value, key, out var priorityText)) return false;
                if (!Priorities.TryParse(priorityText, out var priority))
                {
                    Error(value, $"invalid priority '{priorityText}'; expected one of {Priorities.Names}");
                    return false;
                }
                rule.Priority = priority;
                return true;
            case "tags":
                if (!TryStrings(value, key, out var tags)) return false;
                rule.Tags = tags.Distinct(StringComparer.Ordinal).ToList();
                return true;
            case "exceptions":
                if (!TryExceptions(value, appending: false, out var exceptions)) return false;
                rule.Exceptions = exceptions;
                return true;
            case "enabled":
                if (!TryBool(value, out var enabled)) return false;
                rule.Enabled = enabled;
                return true;
            case "warn_evttypes":
                if (!TryBool(value, out var warn)) return false;
                rule.WarnEvttypes = warn;
                return true;
            case "skip-if-unknown-filter":
                if (!TryBool(value, out var skip)) return false;
                rule.SkipIfUnknownFilter = skip;
                return true;
            case "capture":
                if (!TryBool(value, out var capture)) return false;
                rule.Capture = capture;
                return true;
            case "capture_duration":
                if (!TryString(value, key, out var durationText)) return false;
                if (!int.TryParse(durationText, out var duration) || duration < 0)
                {
                    Error(value, $"'capture_duration' must be a non-negative integer, got '{durationText}'");
                    return false;
                }
                rule.CaptureDuration = duration;
                return true;
        }
        return false;
    }

    private void ReadMacro(YMapping map, Dictionary<string, YNode> keys)
    {
        _kind = "macro";
        if (!TryName(keys["macro"], out var name)) return;
        _name = name;
        WarnUnknownKeys(map, MacroKeys);
        if (!TryReadOverride(map, keys, ConditionKey, ConditionKey, out var overrides, out var append)) return;
        if (!keys.TryGetValue("condition", out var conditionNode))
        {
            Error(map, $"macro '{name}' misses required key 'condition'");
            return;
        }
        if (!TryText(conditionNode, "condition", out var condition)) return;
        var existing = definitions.Macros.Find(name);
        var mode = overrides?.GetValueOrDefault("condition") ?? (append ? "append" : null);
        if (mode is not null && existing is null)
        {
            Error(map, $"macro '{name}' is appended to or overridden but no macro by that name is defined before it");
            return;
        }
        if (mode == "append") existing!.Condition = existing.Condition.Append(" ", condition);
        else if (mode == "replace") existing!.Condition = condition;
        else definitions.Macros.Set(name, new MacroDefinition(name, condition, At(map)));
    }

    private void ReadList(YMapping map, Dictionary<string, YNode> keys)
    {
        _kind = "list";
        if (!TryName(keys["list"], out var name)) return;
        _name = name;
        WarnUnknownKeys(map, ListKeys);
        if (!TryReadOverride(map, keys, ItemsKey, ItemsKey, out var overrides, out var append)) return;
        if (!keys.TryGetValue("items", out var itemsNode))
        {
            Error(map, $"list '{name}' misses required key 'items'");
            return;
        }
        if (!TryStrings(itemsNode, "items", out var items)) return;
        var existing = definitions.Lists.Find(name);
        var mode = overrides?.GetValueOrDefault("items") ?? (append ? "append" : null);
        if (mode is not null && existing is null)
        {
            Error(map, $"list '{name}' is appended to or overridden but no list by that name is defined before it");
            return;
        }
        if (mode == "append") existing!.Items.AddRange(items);
        else if (mode == "replace") existing!.Items = items;
        else definitions.Lists.Set(name, new ListDefinition(name, items, At(map)));
    }

    private void ReadEngineVersion(YNode node)
    {
        if (node is YScalar scalar)
        {
            var text = scalar.Value.Trim();
            if (int.TryParse(text, out var n) && n >= 0) return;
            if (System.Version.TryParse(text.Split('-', '+')[0], out _)) return;
        }
        Error(node, "required_engine_version must be an integer or a semantic version such as 0.26.0");
    }

    private void ReadPluginVersions(YNode node)
    {
        // Informational for FalcoHook (we provide the fields ourselves); only the shape is checked.
        if (node is not YSequence seq)
        {
            Error(node, "required_plugin_versions must be a sequence of {name, version}");
            return;
        }
        foreach (var item in seq.Items)
        {
            if (item is not YMapping m || !m.Entries.Any(e => e.Key.Value == "name") || !m.Entries.Any(e => e.Key.Value == "version"))
                Error(item, "each required_plugin_versions entry needs 'name' and 'version'");
        }
    }

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

    private void WarnUnknownKeys(YMapping map, string[] known)
    {
        foreach (var (key, _) in map.Entries)
            if (Array.IndexOf(known, key.Value) < 0)
                Warn(key, $"unknown key '{key.Value}' ignored");
    }
}
