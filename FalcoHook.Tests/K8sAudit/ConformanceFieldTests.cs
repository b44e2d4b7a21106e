using System.Text.RegularExpressions;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Tests.Support;
using static FalcoHook.Tests.K8sAudit.AuditFieldTestSupport;

namespace FalcoHook.Tests.K8sAudit;

public partial class ConformanceFieldTests
{
    [GeneratedRegex(@"\b((?:ka|jevt|json)\.[A-Za-z0-9_.]*[A-Za-z0-9_])(?:\[([^\]]*)\])?")]
    private static partial Regex FieldReference();

    [Fact]
    public void Every_field_the_upstream_rules_use_resolves_and_extracts_on_every_trace()
    {
        var rules = File.ReadAllText(SharedCorpus.Conformance("rules", "k8s_audit_rules.yaml"));
        var extractors = FieldReference().Matches(rules)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Success ? m.Groups[2].Value : null))
            .Distinct()
            .Select(f => (Name: f.Item1 + (f.Item2 is null ? "" : $"[{f.Item2}]"), Extractor: Resolve(f.Item1, f.Item2)))
            .ToList();
        Assert.True(extractors.Count > 30);
        var extracted = 0;
        foreach (var file in Directory.GetFiles(SharedCorpus.Conformance("traces"), "*.json"))
        {
            using var result = AuditEventReader.ReadJsonLines(File.ReadAllBytes(file));
            foreach (var evt in result.Events)
                foreach (var (_, extractor) in extractors)
                    if (extractor.Extract(evt).HasValue) extracted++;
        }
        Assert.True(extracted > 100, $"only {extracted} values extracted");
    }

    [Fact]
    public void Privileged_pod_trace_reads_as_privileged()
    {
        using var result = AuditEventReader.ReadJsonLines(File.ReadAllBytes(SharedCorpus.Conformance("traces", "create_nginx_pod_privileged.json")));
        var evt = Assert.Single(result.Events);
        Assert.Equal(["true"], List(evt, "ka.req.pod.containers.privileged"));
        Assert.Equal(["nginx"], List(evt, "ka.req.pod.containers.image.repository"));
        Assert.Equal("ResponseComplete", Single(evt, "jevt.value", "/stage"));
        Assert.Equal(["::1"], List(evt, "ka.sourceips"));
    }
}
