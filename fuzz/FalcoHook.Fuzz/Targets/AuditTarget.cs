using FalcoHook.Core.Fields;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Loading;

namespace FalcoHook.Fuzz.Targets;

/// <summary>
/// The audit ingest path: the input read as one JSON value (<c>POST /k8s-audit</c>) and as JSON Lines (the CLI's
/// replay), and every event read evaluated against the rules given on the command line, each match rendered as an
/// alert and written out, as the endpoint does. A refused batch (errors) is the expected outcome for bad input.
/// The rules are the files in <c>FALCOHOOK_FUZZ_RULES</c> (separated by ':'), read once per process.
/// </summary>
public sealed class AuditTarget
{
    private readonly RuleSet _rules;

    // Built on the first input, not before: instrumented code may run only once SharpFuzz has set up afl's shared memory.
    private static readonly Lazy<AuditTarget> FromEnvironment = new(() =>
        new((Environment.GetEnvironmentVariable("FALCOHOOK_FUZZ_RULES") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)));

    public static void RunWithEnvironmentRules(byte[] input) => FromEnvironment.Value.Run(input);

    public AuditTarget(IReadOnlyList<string> rulesFiles)
    {
        IFieldProvider[] providers = [new K8sAuditFieldProvider(), new FalcoAlertFieldProvider()];
        _rules = RuleSet.Load(rulesFiles.Select(RulesFile.Read), providers);
        if (_rules.HasErrors)
            throw new InvalidOperationException("the audit target's rules do not compile: " + _rules.Diagnostics.First(d => d.IsError));
    }

    public void Run(byte[] input)
    {
        using (var whole = AuditEventReader.Read(input)) Evaluate(whole);
        using var lines = AuditEventReader.ReadJsonLines(input);
        Evaluate(lines);
    }

    private void Evaluate(AuditReadResult result)
    {
        if (Invariants.Checked && !result.Ok && result.Events.Count > 0)
            throw new FuzzInvariantException($"a result with {result.Events.Count} events and {result.Errors.Count} errors");
        var matches = new List<CompiledRule>();
        foreach (var evt in result.Events)
        {
            _ = evt.Time.ToString();
            matches.Clear();
            _rules.Evaluate(K8sAuditFieldProvider.SourceName, evt, RuleMatching.All, matches);
            foreach (var rule in matches) rule.CreateAlert(evt, "fuzz").ToJsonBytes();
        }
    }
}
