using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Pipeline;

/// <summary>
/// Fingerprints pinned from the implementation before its allocation-free rewrite: dedup state and PagerDuty
/// dedup_keys persist across upgrades, so the values must never change.
/// </summary>
public sealed class FingerprintPinTests
{
    private const string Syscall = """
        {"hostname":"node-7","output":"10:00:00.000000000: Warning Shell spawned (user=root)","priority":"Warning",
         "rule":"Terminal shell in container","source":"syscall","tags":["container","shell","mitre_execution"],
         "time":"2026-11-27T10:00:00.123456789Z",
         "output_fields":{"evt.time":1795687200123456789,"evt.time.iso8601":"2026-11-27T10:00:00Z","evt.num":42,
           "container.id":"ee97d9c4186f","container.name":"web","proc.cmdline":"sh -c ls","proc.name":"sh",
           "user.name":"root","k8s.ns.name":"prod","k8s.pod.name":"web-1","fd.port":443,"proc.tty":null,
           "proc.args":["-c","ls"],"x.meta":{"b":1,"a":"é<\"NA\">"},"jevt.rawtime":7,"a.time.b":1,"time":"kept",
           "évt.nom":"ünïcode","empty":""}}
        """;

    private const string Audit = """
        {"output":"K8s secret read","priority":"Notice","rule":"K8s Secret Get Successfully","source":"k8s_audit",
         "tags":["k8s"],"time":"2026-11-27T10:00:01Z",
         "output_fields":{"ka.auditid":"0f1e","ka.user.name":"system:admin","ka.target.resource":"secrets",
           "ka.target.name":"db","ka.target.namespace":"prod","jevt.time":"2026-11-27T10:00:01Z"}}
        """;

    private static FalcoAlert Read(string json)
    {
        var read = AlertReader.ReadJson(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.True(read.Ok, string.Join("; ", read.Errors));
        return Assert.Single(read.Alerts);
    }

    [Fact]
    public void Fingerprints_match_the_values_pinned_before_the_rewrite()
    {
        Assert.Equal("3066408c6e5ccdc7688c4281349caa29", new AlertFingerprint().Compute(Read(Syscall)));
        Assert.Equal("adbcfb31421248f8e8f364cc78de6d24", new AlertFingerprint().Compute(Read(Audit)));
        Assert.Equal("755cbca54a5b1e376ad4f6c6b06a433a", new AlertFingerprint(["proc.name", "container.id", "absent"]).Compute(Read(Syscall)));
        Assert.Equal("d4e6e8faf23216dc36ac83f35eda16a7", new AlertFingerprint([]).Compute(Read(Syscall)));
        Assert.Equal("4a04accb31254d7de3bee27c5178326c", new AlertFingerprint().Compute(new FalcoAlert
        {
            Rule = "No fields", Priority = Priority.Error, Time = default, Source = null, Hostname = "",
        }));
    }

    [Fact]
    public void Hash_matches_the_value_pinned_before_the_rewrite()
    {
        Assert.Equal("77d6fb8565e28bd47593c88f99b76fa4", AlertFingerprint.Hash(["a", null, "", "ünï"]));
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb924", AlertFingerprint.Hash([])); // SHA-256 of nothing
    }

    [Theory]
    [InlineData("evt.time", true)]
    [InlineData("evt.time.iso8601", true)]
    [InlineData("evt.rawtime", true)]
    [InlineData("evt.datetime", true)]
    [InlineData("jevt.time", true)]
    [InlineData("jevt.reltime", true)]
    [InlineData("x.y.time", true)]
    [InlineData("a.time.b", true)]
    [InlineData("ka.auditid", true)]
    [InlineData("evt.num", true)]
    [InlineData("time", false)]
    [InlineData("time.x", false)]
    [InlineData("evt.times", false)]
    [InlineData("evt.Time", false)]
    [InlineData("evt.", false)]
    [InlineData(".time", true)]
    [InlineData("a..time", true)]
    [InlineData("evt.time.", true)]
    [InlineData("", false)]
    [InlineData("proc.name", false)]
    [InlineData("ka.auditid.x", false)]
    public void Per_event_fields_are_recognised(string key, bool perEvent) =>
        Assert.Equal(perEvent, AlertFields.IsPerEventField(key));

    /// <summary>The implementation before the rewrite, verbatim in substance: the oracle for the tests below.</summary>
    private static string Reference(FalcoAlert alert, IEnumerable<string>? fields = null)
    {
        var covered = fields is null ? null : new HashSet<string>(fields, StringComparer.Ordinal);
        var parts = new List<string?> { alert.Rule, alert.Source, alert.Hostname };
        if (alert.OutputFields is { } outputFields)
        {
            foreach (var key in outputFields.Keys.Where(k => covered?.Contains(k) ?? !ReferenceIsPerEvent(k)).Order(StringComparer.Ordinal))
            {
                parts.Add(key);
                parts.Add(AlertFields.ToText(outputFields[key]));
            }
        }
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in parts)
        {
            if (part is null)
            {
                BinaryPrimitives.WriteInt32BigEndian(length, -1);
                sha.AppendData(length);
                continue;
            }
            var bytes = Encoding.UTF8.GetBytes(part);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            sha.AppendData(length);
            sha.AppendData(bytes);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset().AsSpan(0, 16));
    }

    private static bool ReferenceIsPerEvent(string key)
    {
        if (key is "ka.auditid" or "evt.num") return true;
        var segments = key.Split('.');
        for (var i = 1; i < segments.Length; i++)
            if (segments[i] is "time" or "rawtime" or "datetime" or "reltime") return true;
        return false;
    }

    public static TheoryData<string> Alerts()
    {
        var data = new TheoryData<string>(Syscall, Audit,
            // Escapes in keys and values, long values (the hash buffer grows), numbers as written, nested values.
            """{"rule":"Esc \"q\" \u00e9","priority":"Error","time":"2026-11-27T10:00:00Z","source":"s\u0000","output_fields":{"k\u00e9y":"v\n\t\"\\ \ud83d\ude00","n":-1.5e3,"b":true,"f":false,"z":null,"o":{},"a":[],"long":"LONG"}}"""
                .Replace("LONG", new string('x', 5000)));
        foreach (var file in Directory.GetFiles(SharedCorpus.Conformance("alerts"), "*.jsonl").Order(StringComparer.Ordinal))
            foreach (var line in File.ReadLines(file).Where(l => !string.IsNullOrWhiteSpace(l)))
                data.Add(line);
        return data;
    }

    [Theory]
    [MemberData(nameof(Alerts))]
    public void Fingerprint_equals_the_reference_implementation(string json)
    {
        var alert = Read(json);
        Assert.Equal(Reference(alert), new AlertFingerprint().Compute(alert));
        var someKeys = alert.OutputFields?.Keys.Where((_, i) => i % 2 == 0).Append("absent").ToList() ?? ["absent"];
        Assert.Equal(Reference(alert, someKeys), new AlertFingerprint(someKeys).Compute(alert));
        foreach (var key in alert.OutputFields?.Keys ?? [])
            Assert.Equal(ReferenceIsPerEvent(key), AlertFields.IsPerEventField(key));
    }
}
