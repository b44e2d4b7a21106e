namespace FalcoHook.Core.Destinations.Templates;

/// <summary>
/// <c>FalcoHook:Destinations:&lt;name&gt;:Template</c>: the message's title and body in Liquid over
/// <see cref="TemplateModel"/>. Either may be left out: the type's default takes its place.
/// </summary>
public sealed class TemplateSettings
{
    public string? Title { get; set; }

    public string? Body { get; set; }

    public bool IsEmpty => Title is null && Body is null;
}
