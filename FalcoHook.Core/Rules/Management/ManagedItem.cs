namespace FalcoHook.Core.Rules.Management;

/// <summary>The three kinds of named items the API manages, by their Falco key.</summary>
public enum ItemKind { Rule, Macro, List }

public static class ItemKinds
{
    public static string Key(this ItemKind kind) => kind switch
    {
        ItemKind.Rule => "rule",
        ItemKind.Macro => "macro",
        _ => "list",
    };

    public static ItemKind? FromKey(string key) => key switch
    {
        "rule" => ItemKind.Rule,
        "macro" => ItemKind.Macro,
        "list" => ItemKind.List,
        _ => null,
    };
}

/// <summary>
/// One item of the managed document: a Falco item (its mapping, starting with <c>rule:</c>/<c>macro:</c>/<c>list:</c>).
/// <see cref="Kind"/> is null for other top-level items an imported document may carry (e.g. <c>required_engine_version</c>).
/// </summary>
public sealed record ManagedItem(ItemKind? Kind, string Name, YamlMappingValue Body)
{
    /// <summary>True when the item changes an earlier definition (<c>override:</c>, <c>append: true</c>, or the enabled-only form).</summary>
    public bool IsOverride => Body["override"] is not null ||
                              Body["append"] is YamlScalarValue { Value: "true" } ||
                              (Kind == ItemKind.Rule && Body["condition"] is null && Body["enabled"] is not null);

    public string ToYaml()
    {
        var text = new System.Text.StringBuilder();
        YamlWriter.WriteItem(text, Body);
        return text.ToString();
    }
}
