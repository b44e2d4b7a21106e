using System.Text;
using System.Text.Encodings.Web;
using Fluid;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Destinations.Templates;

/// <summary>A rendered title and body, and the link back to the alert (null without <c>FalcoHook:PublicUrl</c>).</summary>
public sealed record RenderedMessage(string Title, string Body, string? Url);

/// <summary>
/// Renders a destination's <see cref="MessageTemplate"/> over a notification. Sandboxed: no file system (no
/// <c>include</c>/<c>render</c> source), no network, at most <see cref="MaxSteps"/> steps and <see cref="MaxOutput"/>
/// characters per part. A template that fails on an alert keeps what it rendered; an empty result falls back to the
/// plain title (<c>Priority: rule</c>) or the alert's output, so a message always goes out.
/// </summary>
public sealed partial class MessageRenderer(PublicLinks links, TimeProvider time, ILogger<MessageRenderer> logger)
{
    public const int MaxSteps = 10_000, MaxOutput = 16_000, MaxRecursion = 20;

    private static readonly TemplateOptions Sandbox = NewSandbox();

    public async ValueTask<RenderedMessage> RenderAsync(ConfiguredDestination destination, Notification notification,
        TextEncoder? titleEncoder = null, TextEncoder? bodyEncoder = null)
    {
        titleEncoder ??= EscapingEncoder.None;
        bodyEncoder ??= EscapingEncoder.None;
        var url = links.For(notification);
        var plain = Plain(notification, titleEncoder, bodyEncoder, url);
        if (destination.Template is not { } template) return plain;
        var model = TemplateModel.For(notification, url);
        var title = await PartAsync(destination, template.Title, "Title", model, titleEncoder).ConfigureAwait(false);
        var body = await PartAsync(destination, template.Body, "Body", model, bodyEncoder).ConfigureAwait(false);
        return new RenderedMessage(
            string.IsNullOrWhiteSpace(title) ? plain.Title : title.Trim(),
            string.IsNullOrWhiteSpace(body) ? plain.Body : body.Trim(),
            url);
    }

    /// <summary>The message without a template: <see cref="PlainTitle"/> over the alert's output (the rule when it has none).</summary>
    public static RenderedMessage Plain(Notification notification, TextEncoder? titleEncoder = null, TextEncoder? bodyEncoder = null, string? url = null)
    {
        var alert = notification.Alert;
        return new RenderedMessage(
            (titleEncoder ?? EscapingEncoder.None).Encode(PlainTitle(notification)),
            (bodyEncoder ?? EscapingEncoder.None).Encode(alert.Output.Length > 0 ? alert.Output : alert.Rule),
            url);
    }

    /// <summary><c>Critical: Terminal shell in container</c>, with <c>(42 alerts)</c> for a storm summary.</summary>
    public static string PlainTitle(Notification notification) =>
        $"{notification.Alert.Priority.ToFalcoString()}: {notification.Alert.Rule}" +
        (notification.Digest is { } d ? $" ({d.Count} alerts)" : "");

    private async ValueTask<string> PartAsync(ConfiguredDestination destination, IFluidTemplate part, string name,
        Dictionary<string, object?> model, TextEncoder encoder)
    {
        var context = new TemplateContext(Sandbox) { Now = () => time.GetUtcNow() };
        foreach (var (key, value) in model) context.SetValue(key, value);
        using var writer = new BoundedWriter(MaxOutput);
        try
        {
            await part.RenderAsync(writer, context, encoder).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogTemplateFailed(logger, destination.Name, name, Redaction.Scrub(e.Message, destination));
        }
        return writer.ToString();
    }

    private static TemplateOptions NewSandbox()
    {
        var options = new TemplateOptions
        {
            MaxSteps = MaxSteps,
            MaxRecursion = MaxRecursion,
            FileProvider = new Microsoft.Extensions.FileProviders.NullFileProvider(),
        };
        return options;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Part} template of destination {Destination} failed on an alert; sending what it rendered: {Error}")]
    private static partial void LogTemplateFailed(ILogger logger, string destination, string part, string error);

    /// <summary>Keeps the first <c>max</c> characters and drops the rest, so a runaway template cannot grow memory.</summary>
    private sealed class BoundedWriter(int max) : StringWriter(new StringBuilder(), System.Globalization.CultureInfo.InvariantCulture)
    {
        public override void Write(char value)
        {
            if (GetStringBuilder().Length < max) base.Write(value);
        }

        public override void Write(string? value)
        {
            if (value is null) return;
            var room = max - GetStringBuilder().Length;
            if (room > 0) base.Write(value.Length <= room ? value : value[..room]);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            var room = max - GetStringBuilder().Length;
            if (room > 0) base.Write(buffer, index, Math.Min(count, room));
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            var room = max - GetStringBuilder().Length;
            if (room > 0) base.Write(buffer.Length <= room ? buffer : buffer[..room]);
        }
    }
}
