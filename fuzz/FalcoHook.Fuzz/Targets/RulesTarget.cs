using FalcoHook.Core.Fields;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Loading;

namespace FalcoHook.Fuzz.Targets;

/// <summary>
/// The rules loader: the input as one rules file, loaded and compiled the way <c>validate</c> and a reload do.
/// Diagnostics are the expected outcome for bad input; nothing may be thrown.
/// </summary>
public static class RulesTarget
{
    private static readonly IFieldProvider[] Providers = [new K8sAuditFieldProvider(), new FalcoAlertFieldProvider()];

    public static void Run(byte[] input)
    {
        var text = System.Text.Encoding.UTF8.GetString(input);
        var set = RuleSet.Load([new RulesFile("fuzz.yaml", text)], Providers);
        foreach (var diagnostic in set.Diagnostics) _ = diagnostic.ToString();
    }
}
