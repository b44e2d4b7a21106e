using System.Text.RegularExpressions;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Fields;

namespace FalcoHook.Core.Pipeline;

/// <summary>What the enrich stage derives from an alert: severity, category, ATT&amp;CK techniques, indicators, advice.</summary>
public static partial class AlertClassifier
{
    /// <summary>Emergency, Alert, Critical → Critical; Error → High; Warning → Medium; Notice, Informational, Debug → Low.</summary>
    public static string Severity(Priority priority) => priority switch
    {
        >= Priority.Critical => "Critical",
        Priority.Error => "High",
        Priority.Warning => "Medium",
        _ => "Low",
    };

    public const string Execution = "execution";
    public const string Network = "network";
    public const string Filesystem = "filesystem";
    public const string PrivilegeEscalation = "privilege escalation";
    public const string Discovery = "discovery";
    public const string CredentialAccess = "credential access";
    public const string Other = "other";

    // In precedence order: the first category whose tag (exact, case-insensitive) the alert carries wins; when no
    // tag decides, the first whose rule-name word (substring, case-insensitive) the rule contains.
    private static readonly (string Category, string[] Tags, string[] RuleWords)[] Categories =
    [
        (PrivilegeEscalation, ["mitre_privilege_escalation", "privilege_escalation"], ["privilege", "escalat", "setuid", "sudo", "capabilit"]),
        (CredentialAccess, ["mitre_credential_access", "credential_access", "credentials"], ["credential", "password", "shadow", "secret", "token", "ssh key", "private key"]),
        (Execution, ["mitre_execution", "execution", "shell"], ["shell", "exec", "spawn", "binary", "run "]),
        (Discovery, ["mitre_discovery", "discovery"], ["discovery", "enumerat", "recon", "scan", "search", "list "]),
        (Network, ["mitre_command_and_control", "mitre_exfiltration", "mitre_lateral_movement", "network"], ["network", "connection", "outbound", "inbound", "dns", "port", "socket"]),
        (Filesystem, ["filesystem", "mitre_persistence"], ["file", "write", "directory", "mount", "open"]),
    ];

    /// <summary>One of the constants above, by tags first (Falco's <c>mitre_*</c> and topic tags), then by rule name.</summary>
    public static string Category(FalcoAlert alert)
    {
        foreach (var (category, tags, _) in Categories)
            foreach (var categoryTag in tags)
                if (alert.HasTag(categoryTag)) return category;
        foreach (var (category, _, words) in Categories)
            foreach (var word in words)
                if (alert.Rule.Contains(word, StringComparison.OrdinalIgnoreCase)) return category;
        return Other;
    }

    [GeneratedRegex(@"^(?:mitre_)?T(\d{4})(?:\.(\d{3}))?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TechniqueTag();

    /// <summary>ATT&amp;CK technique ids among the tags (<c>T1059</c>, <c>t1552.007</c>, <c>mitre_T1611</c>), upper-cased, once each.</summary>
    public static IReadOnlyList<string> Techniques(IEnumerable<string> tags)
    {
        List<string>? techniques = null;
        foreach (var tag in tags)
        {
            // Only a tag starting with T or mitre_ can match: most tags (container, shell…) skip the regex.
            if (tag.Length == 0 || tag[0] is not ('t' or 'T' or 'm' or 'M')) continue;
            var match = TechniqueTag().Match(tag);
            if (!match.Success) continue;
            var id = "T" + match.Groups[1].Value + (match.Groups[2].Success ? "." + match.Groups[2].Value : "");
            techniques ??= [];
            if (!techniques.Contains(id, StringComparer.Ordinal)) techniques.Add(id);
        }
        return (IReadOnlyList<string>?)techniques ?? [];
    }

    /// <summary>
    /// Who and what, from output_fields: process (proc.cmdline, else proc.name), user (user.name), container
    /// (container.name, else container.id), image (container.image.repository[:container.image.tag]), namespace
    /// (k8s.ns.name, else ka.target.namespace), pod (k8s.pod.name, else ka.target.name when ka.target.resource is
    /// pods), k8s_user (ka.user.name), target (ka.target.resource[/ka.target.name]). Missing and <c>&lt;NA&gt;</c> values are left out.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Indicators(FalcoAlert alert)
    {
        string? Field(string name) => FalcoAlertFieldProvider.Text(alert, name) is { Length: > 0 } v && v != "<NA>" ? v : null;
        var indicators = new Dictionary<string, string>(8, StringComparer.Ordinal);
        void Put(string key, string? value)
        {
            if (value is not null) indicators[key] = value;
        }

        Put("process", Field("proc.cmdline") ?? Field("proc.name"));
        Put("user", Field("user.name"));
        Put("container", Field("container.name") ?? Field("container.id"));
        var repository = Field("container.image.repository");
        var tag = Field("container.image.tag");
        Put("image", repository is null ? Field("container.image") : tag is null ? repository : $"{repository}:{tag}");
        Put("namespace", Field("k8s.ns.name") ?? Field("ka.target.namespace"));
        var resource = Field("ka.target.resource");
        var targetName = Field("ka.target.name");
        Put("pod", Field("k8s.pod.name") ?? (resource == "pods" ? targetName : null));
        Put("k8s_user", Field("ka.user.name"));
        Put("target", resource is null ? null : targetName is null ? resource : $"{resource}/{targetName}");
        return indicators;
    }

    /// <summary>Short, practical next steps per category (the same list object each time).</summary>
    public static IReadOnlyList<string> Recommendations(string category) => category switch
    {
        Execution => ExecutionSteps,
        Network => NetworkSteps,
        Filesystem => FilesystemSteps,
        PrivilegeEscalation => PrivilegeEscalationSteps,
        Discovery => DiscoverySteps,
        CredentialAccess => CredentialAccessSteps,
        _ => OtherSteps,
    };

    private static readonly IReadOnlyList<string> ExecutionSteps = Array.AsReadOnly<string>(
    [
        "Check whether the process and its parent are expected for this workload (deployment, debug session, cron).",
        "If not, capture the container's process tree and image digest, then isolate or delete the pod.",
    ]);

    private static readonly IReadOnlyList<string> NetworkSteps = Array.AsReadOnly<string>(
    [
        "Identify the remote address and port; compare them with the workload's expected egress.",
        "Block unexpected egress with a NetworkPolicy and check other pods for the same destination.",
    ]);

    private static readonly IReadOnlyList<string> FilesystemSteps = Array.AsReadOnly<string>(
    [
        "Find which process wrote or opened the path, and whether the image is expected to change at run time.",
        "Compare the container's filesystem with its image (docker diff / crictl) and redeploy from a clean image.",
    ]);

    private static readonly IReadOnlyList<string> PrivilegeEscalationSteps = Array.AsReadOnly<string>(
    [
        "Treat as a likely compromise: check who started the workload and why it has these privileges.",
        "Remove privileged mode, added capabilities and hostPath mounts; enforce Pod Security 'restricted'.",
    ]);

    private static readonly IReadOnlyList<string> DiscoverySteps = Array.AsReadOnly<string>(
    [
        "Check which identity made the calls and whether it normally lists or reads these resources.",
        "Reduce its RBAC permissions to what it needs and watch for follow-up access.",
    ]);

    private static readonly IReadOnlyList<string> CredentialAccessSteps = Array.AsReadOnly<string>(
    [
        "Assume the credentials read may be exposed: rotate the affected secrets, keys or tokens.",
        "Find the reading process and how it got in; review service-account token mounts.",
    ]);

    private static readonly IReadOnlyList<string> OtherSteps = Array.AsReadOnly<string>(
    [
        "Read the alert's output and rule description, then decide whether to tune the rule or investigate the host.",
    ]);
}
