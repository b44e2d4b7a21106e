using FalcoHook.Api.Endpoints;
using FalcoHook.Api.Ui.Actions;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Api.Ui.Events;

/// <summary>
/// "Silence similar…": the new-silence form pre-filled with matchers for alerts like this one — the same rule and
/// host, and the same Kubernetes namespace or container image when the alert has one. Each row can be cleared.
/// </summary>
public static class SilenceSimilar
{
    private static readonly string[] Scoping = ["k8s.ns.name", "ka.target.namespace", "container.image.repository"];

    public static string Link(FalcoAlert alert)
    {
        var matchers = new List<MatcherDto> { new("falco.rule", "=", alert.Rule) };
        if (!string.IsNullOrEmpty(alert.Hostname)) matchers.Add(new MatcherDto("falco.hostname", "=", alert.Hostname));
        foreach (var field in Scoping)
        {
            if (alert.OutputFields is { } fields && fields.TryGetValue(field, out var value) &&
                value.ValueKind == System.Text.Json.JsonValueKind.String && value.GetString() is { Length: > 0 } text)
                matchers.Add(new MatcherDto(field, "=", text));
        }
        return new SilenceForm(matchers, SilenceForm.DefaultDuration, $"Similar to '{alert.Rule}' on {alert.Hostname}").ToQuery("/ui/silences/new");
    }
}
