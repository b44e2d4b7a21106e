namespace FalcoHook.Core.Rules.Management;

/// <summary>
/// Which names the API accepts for rules, macros and lists: every accepted name must round-trip through its
/// URL (<c>/api/v1/rules/{name}</c>, escaped with <see cref="Uri.EscapeDataString(string)"/>). A <c>/</c> is
/// fine (Falco's own rules use it; the server keeps it as <c>%2F</c> and the endpoints decode it), so the
/// literal text <c>%2F</c> is refused: it would be read back as a <c>/</c>. So are rule names that are paths of
/// the rules API read with GET (<c>export</c>, <c>history</c>, in any case), which a rule's GET would never reach.
/// </summary>
public static class ItemNames
{
    private static readonly string[] RulePaths = ["export", "history"];

    /// <summary>Why <paramref name="name"/> cannot be addressed through the API, or null when it can.</summary>
    public static string? Problem(ItemKind kind, string name)
    {
        var what = $"{kind.Key()} name";
        if (name is "." or "..") return $"the {what} cannot be '.' or '..' (a URL path drops such a segment).";
        if (kind == ItemKind.Rule && RulePaths.Contains(name, StringComparer.OrdinalIgnoreCase))
            return $"the {what} cannot be '{name}', a path of the rules API (/api/v1/rules/{name.ToLowerInvariant()}).";
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsControl(c))
                return $"the {what} must not contain control characters (found U+{(int)c:X4} at position {i + 1}).";
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1])) i++;
            else if (char.IsSurrogate(c)) return $"the {what} must be valid Unicode text (a lone surrogate at position {i + 1}).";
        }
        if (name.Contains("%2F", StringComparison.OrdinalIgnoreCase))
            return $"the {what} must not contain the text '%2F', which a URL reads as '/'.";
        return null;
    }

    /// <summary>The name a <c>{name}</c> route value stands for: the server leaves an escaped <c>/</c> as <c>%2F</c>.</summary>
    public static string FromRoute(string value) =>
        value.Contains('%') ? value.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase) : value;
}
