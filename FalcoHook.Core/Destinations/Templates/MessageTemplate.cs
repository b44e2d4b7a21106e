using System.Globalization;
using System.Text.RegularExpressions;
using Fluid;

namespace FalcoHook.Core.Destinations.Templates;

/// <summary>A message's title and body as Liquid source; a type's default or a destination's <c>Template</c>.</summary>
public sealed record MessageTemplateSource(string Title, string Body);

/// <summary>A parsed title and body, ready to render with <see cref="MessageRenderer"/>.</summary>
public sealed partial class MessageTemplate
{
    private static readonly FluidParser Parser = new();

    private MessageTemplate(IFluidTemplate title, IFluidTemplate body)
    {
        Title = title;
        Body = body;
    }

    internal IFluidTemplate Title { get; }

    internal IFluidTemplate Body { get; }

    /// <summary>
    /// The configured parts over the type's default; null with <paramref name="errors"/> filled when a part does not
    /// parse, each error naming <c>{at}:Template:Title</c> or <c>:Body</c> and the line and column.
    /// </summary>
    public static MessageTemplate? Parse(TemplateSettings? configured, MessageTemplateSource defaults, string at, List<string> errors)
    {
        var title = ParsePart(configured?.Title ?? defaults.Title, $"{at}:Template:Title", errors);
        var body = ParsePart(configured?.Body ?? defaults.Body, $"{at}:Template:Body", errors);
        return title is null || body is null ? null : new MessageTemplate(title, body);
    }

    private static IFluidTemplate? ParsePart(string source, string key, List<string> errors)
    {
        if (Parser.TryParse(source, out var template, out var error)) return template;
        errors.Add(Describe(key, error ?? "unreadable template"));
        return null;
    }

    /// <summary>Fluid reports positions as <c>(line:column)</c>; the message says them in words.</summary>
    private static string Describe(string key, string error)
    {
        // Fluid appends the template's source after "Source:"; the key names where it is.
        var source = error.IndexOf("Source:", StringComparison.Ordinal);
        if (source >= 0) error = error[..source];
        error = error.ReplaceLineEndings(" ").Trim();
        var position = Position().Match(error);
        if (!position.Success) return $"{key} is not valid Liquid: {error}";
        var line = int.Parse(position.Groups[1].Value, CultureInfo.InvariantCulture);
        var column = int.Parse(position.Groups[2].Value, CultureInfo.InvariantCulture);
        var message = error.Remove(position.Index, position.Length).Trim().TrimEnd('.', ',', ' ');
        return $"{key} is not valid Liquid at line {line}, column {column}: {message}";
    }

    [GeneratedRegex(@"\s*(?:at\s*)?\((\d+):(\d+)\)")]
    private static partial Regex Position();
}
