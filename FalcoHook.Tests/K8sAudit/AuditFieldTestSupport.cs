using System.Text;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.K8sAudit;

namespace FalcoHook.Tests.K8sAudit;

/// <summary>Builds audit events from small inline JSON and extracts fields from them.</summary>
internal static class AuditFieldTestSupport
{
    public static readonly K8sAuditFieldProvider Provider = new();

    public const string Header = "\"auditID\":\"e-1\",\"stageTimestamp\":\"2024-05-01T10:00:00.123456789Z\",";

    /// <summary>An event whose body is <paramref name="properties"/> (JSON object members) plus an id and a time.</summary>
    public static AuditEvent Event(string properties)
    {
        var result = AuditEventReader.Read(Encoding.UTF8.GetBytes("{" + Header + properties + "}"));
        Assert.True(result.Ok, string.Join("; ", result.Errors));
        return result.Events[0]; // the document stays alive until collected: fine for a test
    }

    public static IFieldExtractor Resolve(string field, string? argument = null)
    {
        Assert.True(Provider.TryResolve(field, argument, out var extractor, out var error), error);
        return extractor;
    }

    public static FieldValue Get(AuditEvent evt, string field, string? argument = null) => Resolve(field, argument).Extract(evt);

    public static string? Single(AuditEvent evt, string field, string? argument = null)
    {
        var value = Get(evt, field, argument);
        Assert.False(value.IsList, $"{field} gave a list");
        return value.Single;
    }

    /// <summary>The list value; fails when the field is missing or single.</summary>
    public static string[] List(AuditEvent evt, string field, string? argument = null)
    {
        var value = Get(evt, field, argument);
        Assert.True(value.IsList, $"{field} gave {(value.HasValue ? "a single value" : "no value")}");
        return value.List!;
    }
}
