using System.Text;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Tests.Support;
using static FalcoHook.Tests.Rules.RulesTestHelpers;

namespace FalcoHook.Tests.Rules;

/// <summary>
/// The rule index (<see cref="RuleIndex"/>) only skips rules that cannot match: evaluating through it gives the same
/// matches, in the same order, as evaluating every rule.
/// </summary>
public sealed class RuleIndexTests
{
    private const string Yaml = """
        - rule: open only
          desc: d
          condition: evt.type=open and proc.name=cat
          output: o
          priority: WARNING
          source: test
        - rule: any type
          desc: d
          condition: proc.name=cat
          output: o
          priority: WARNING
          source: test
        - rule: open or close
          desc: d
          condition: (evt.type in (open, close) and proc.name=cat) or (evt.type=exec and proc.name=cat)
          output: o
          priority: WARNING
          source: test
        - rule: not open
          desc: d
          condition: not evt.type=open and proc.name=cat
          output: o
          priority: WARNING
          source: test
        - rule: close only
          desc: d
          condition: evt.type=close and evt.type in (close, exec) and proc.name=cat
          output: o
          priority: WARNING
          source: test
        - rule: open and close
          desc: d
          condition: evt.type=open and evt.type=close
          output: o
          priority: WARNING
          source: test
        """;

    [Fact]
    public void Rules_constrained_to_a_field_value_run_only_for_it_and_the_matches_are_every_rules()
    {
        var set = LoadOk(Yaml, new TestFieldProvider());
        var program = set.ProgramOf("test")!;
        Assert.True(program.IndexSlot >= 0);
        var expected = new Dictionary<string, string[]>
        {
            ["open"] = ["open only", "any type", "open or close"],
            ["close"] = ["any type", "open or close", "not open", "close only"],
            ["exec"] = ["any type", "open or close", "not open"],
            ["read"] = ["any type", "not open"],
        };
        foreach (var (type, rules) in expected)
        {
            var evt = Event(("evt.type", type), ("proc.name", "cat"));
            Assert.Equal(rules, set.Evaluate("test", evt, RuleMatching.All).Select(r => r.Name));
            Assert.Equal(rules, program.EvaluateEveryRule(evt).Select(r => r.Name));
            Assert.Equal(rules[0], Assert.Single(set.Evaluate("test", evt, RuleMatching.First)).Name);
        }
        // The rules left for a type are indexed again by proc.name: another process is evaluated against none of them.
        Assert.Empty(program.CandidatesFor(Event(("evt.type", "open"), ("proc.name", "dog"))));
        Assert.Equal(["open only", "any type", "open or close", "not open"],
            program.CandidatesFor(Event(("evt.type", "open"), ("proc.name", "cat"))).Select(r => r.Name));
        var missing = Event(("proc.name", "cat"));
        Assert.Equal(["any type", "not open"], set.Evaluate("test", missing, RuleMatching.All).Select(r => r.Name));
        var list = Event(("evt.type", new[] { "open", "close" }), ("proc.name", "cat"));
        Assert.Equal(program.EvaluateEveryRule(list).Select(r => r.Name), set.Evaluate("test", list, RuleMatching.All).Select(r => r.Name));
    }

    [Fact]
    public void The_upstream_audit_rules_are_indexed_and_match_as_every_rule_does_on_the_traces_and_routine_events()
    {
        var set = RuleSet.LoadFiles([SharedCorpus.Conformance("rules", "k8s_audit_rules.yaml")], [new K8sAuditFieldProvider()]);
        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        var program = set.ProgramOf(K8sAuditFieldProvider.SourceName)!;
        Assert.True(program.IndexSlot >= 0);

        var events = new StringBuilder("[");
        foreach (var line in Directory.GetFiles(SharedCorpus.Conformance("traces"), "*.json").Order()
                     .SelectMany(File.ReadLines).Where(l => !string.IsNullOrWhiteSpace(l)))
            events.Append(line).Append(',');
        string[] verbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "odd"];
        string[] users = ["system:kube-scheduler", "alice", "system:anonymous"];
        string[] resources = ["pods", "configmaps", "secrets", "namespaces", "clusterroles"];
        var n = 0;
        foreach (var verb in verbs)
            foreach (var user in users)
                foreach (var resource in resources)
                    events.Append($$"""{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-{{n++}}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/{{resource}}","verb":"{{verb}}","user":{"username":"{{user}}","groups":["system:authenticated"]},"objectRef":{"resource":"{{resource}}","namespace":"default","apiVersion":"v1"},"responseStatus":{"code":200},"stageTimestamp":"2026-11-27T10:00:00.000001Z"},""");
        events.Append("""{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"no-verb","stage":"ResponseComplete","stageTimestamp":"2026-11-27T10:00:00Z"}]""");

        using var batch = AuditEventReader.Read(Encoding.UTF8.GetBytes(events.ToString()));
        Assert.True(batch.Ok, string.Join("\n", batch.Errors));
        var matched = 0;
        foreach (var evt in batch.Events)
        {
            var every = program.EvaluateEveryRule(evt).Select(r => r.Name).ToList();
            Assert.Equal(every, set.Evaluate(K8sAuditFieldProvider.SourceName, evt, RuleMatching.All).Select(r => r.Name));
            Assert.Equal(every.Take(1), set.Evaluate(K8sAuditFieldProvider.SourceName, evt, RuleMatching.First).Select(r => r.Name));
            matched += every.Count;
        }
        Assert.True(matched > 20, $"only {matched} matches: the events do not exercise the rules");

        // A routine get of pods by a system account is evaluated against the few rules that resource, verb and user
        // leave (such as the stage-only "Disallowed K8s User"), not against the 14 rules that name pods or no resource.
        var routine = program.CandidatesFor(batch.Events.Single(e => e.AuditId == "id-0")).Select(r => r.Name).ToList();
        Assert.Contains("Disallowed K8s User", routine);
        Assert.True(routine.Count <= 3, string.Join(" | ", routine));
    }
}
