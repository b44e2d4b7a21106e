namespace FalcoHook.Core.Inhibition;

/// <summary>
/// One entry of <c>FalcoHook:Pipeline:Inhibit</c> (Alertmanager's <c>inhibit_rules</c>): while an alert matching every
/// one of <see cref="SourceMatchers"/> was seen within <see cref="Duration"/>, alerts matching every one of
/// <see cref="TargetMatchers"/> whose <see cref="Equal"/> labels or fields have the same values are not sent.
/// Matchers use Alertmanager's syntax over the alert's labels or Falco fields: <c>alertname="Container escape"</c>.
/// </summary>
public sealed class InhibitRuleOptions
{
    public List<string> SourceMatchers { get; set; } = [];

    public List<string> TargetMatchers { get; set; } = [];

    /// <summary>Labels (<c>hostname</c>) or Falco fields (<c>k8s.pod.name</c>) that must be equal on source and target.</summary>
    public List<string> Equal { get; set; } = [];

    /// <summary>How long a source alert inhibits after it was seen (each new source alert starts it again). Default 5 minutes.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(5);
}
