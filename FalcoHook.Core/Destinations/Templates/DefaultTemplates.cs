namespace FalcoHook.Core.Destinations.Templates;

/// <summary>The templates types ship with; a destination's <c>Template</c> replaces either part.</summary>
public static class DefaultTemplates
{
    /// <summary>
    /// A chat message: <c>Critical: Terminal shell in container</c> (with <c>(42 alerts)</c> for a storm summary) over
    /// the alert's output (the rule when the output is empty). The fields, tags and link are laid out by each type.
    /// </summary>
    public static readonly MessageTemplateSource Chat = new(
        "{{ priority }}: {{ rule }}{% if digest %} ({{ digest.count }} alerts){% endif %}",
        "{{ output | default: rule }}");
}
