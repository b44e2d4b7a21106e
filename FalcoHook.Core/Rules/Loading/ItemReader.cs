namespace FalcoHook.Core.Rules.Loading;

/// <summary>Reads one item (rule, macro, list, version requirement) into the collected definitions.</summary>
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
            Warn(AppendNodeOf(map), "'append: true' is deprecated; use override: {condition: append} (or exceptions: append)");
            if (existing is null)
            {
                Error(map, $"rule '{name}' has 'append: true' but no rule by that name is defined before it");
                return;
            }
            if (!keys.ContainsKey("condition") && !keys.ContainsKey("exceptions"))
            {
                Error(map, $"rule '{name}' has 'append: true' but neither 'condition' nor 'exceptions' to append");
                return;
            }
            // As Falco: the deprecated form appends the condition and the exceptions, nothing else.
            foreach (var (key, value) in keys)
            {
                if (key is "condition" or "exceptions") AppendRuleKey(existing, key, value);
                else if (RuleReplaceable.Contains(key) || key == "source")
                    Warn(value, $"key '{key}' is ignored with 'append: true'; use override to change it");
            }
            return;
        }
        if (!keys.ContainsKey("condition") && !keys.ContainsKey("output") && !keys.ContainsKey("desc") && !keys.ContainsKey("priority"))
        {
            // The deprecated enabled-only form: change whether an existing rule is enabled.
            if (!keys.TryGetValue("enabled", out var enabledNode))
            {
                Error(map, $"rule '{name}' has neither a definition (condition, output, desc, priority) nor 'enabled'");
                return;
            }
            if (existing is null)
            {
                Error(map, $"rule '{name}' sets only 'enabled' but no rule by that name is defined before it");
                return;
            }
            if (TryBool(enabledNode, out var enabled)) existing.Enabled = enabled;
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
        if (!ok) return;
        if (existing is not null && existing.Source != rule.Source)
        {
            Error(map, $"rule '{name}' is redefined with a different source ('{rule.Source}', was '{existing.Source}')");
            return;
        }
        definitions.Rules.Set(name, rule);
    }

    private void ReadMacro(YMapping map, Dictionary<string, YNode> keys)
    {
        _kind = "macro";
        if (!TryName(keys["macro"], out var name) || !IsIdentifier(keys["macro"], name)) return;
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
        // As Falco: a macro sees the macros defined before its latest definition, append or replace.
        var visibility = definitions.Macros.Count;
        if (mode == "append") existing!.Condition = existing.Condition.Append(" ", condition);
        else if (mode == "replace") existing!.Condition = condition;
        else definitions.Macros.Set(name, existing = new MacroDefinition(name, condition, At(map)));
        existing!.Visibility = visibility;
    }

    private void ReadList(YMapping map, Dictionary<string, YNode> keys)
    {
        _kind = "list";
        if (!TryName(keys["list"], out var name) || !IsIdentifier(keys["list"], name)) return;
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
        var visibility = definitions.Lists.Count;
        if (mode == "append") existing!.Items.AddRange(items);
        else if (mode == "replace") existing!.Items = items;
        else definitions.Lists.Set(name, existing = new ListDefinition(name, items, At(map)));
        existing!.Visibility = visibility;
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
}
