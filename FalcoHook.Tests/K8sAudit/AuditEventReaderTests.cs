using System.Text;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.K8sAudit;

public class AuditEventReaderTests
{
    private const string Event1 =
        """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"id-1","stage":"ResponseComplete","requestReceivedTimestamp":"2024-05-01T10:00:00.100000Z","stageTimestamp":"2024-05-01T10:00:00.123456789Z"}""";
    private const string Event2 =
        """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"id-2","stage":"ResponseStarted","requestReceivedTimestamp":"2024-05-01T10:00:01.5Z"}""";

    private static AuditReadResult Read(string body) => AuditEventReader.Read(Encoding.UTF8.GetBytes(body));

    private static void AssertSingleError(AuditReadResult result, string field, string messagePart)
    {
        Assert.False(result.Ok);
        Assert.Empty(result.Events);
        var error = Assert.Single(result.Errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(messagePart, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void EventList_yields_every_item_in_order_with_id_and_nanosecond_time()
    {
        using var result = Read($$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{{Event1}},{{Event2}}]}""");
        Assert.True(result.Ok);
        Assert.Equal(["id-1", "id-2"], result.Events.Select(e => e.AuditId));
        Assert.Equal(1714557600_123456789L, result.Events[0].UnixNanoseconds);
        Assert.Equal("2024-05-01T10:00:00.123456789Z", result.Events[0].Time.ToString());
    }

    [Fact]
    public void Event_time_falls_back_to_requestReceivedTimestamp_without_stageTimestamp()
    {
        using var result = Read(Event2);
        Assert.True(result.Ok);
        Assert.Equal(1714557601_500000000L, Assert.Single(result.Events).UnixNanoseconds);
    }

    [Fact]
    public void Single_event_without_kind_is_accepted_by_its_auditID()
    {
        using var result = Read("""{"auditID":"x","stageTimestamp":"2024-05-01T10:00:00Z"}""");
        Assert.Equal("x", Assert.Single(result.Events).AuditId);
    }

    [Fact]
    public void Json_array_of_events_is_accepted()
    {
        using var result = Read($"[{Event1},{Event2}]");
        Assert.Equal(2, result.Events.Count);
    }

    [Fact]
    public void A_leading_byte_order_mark_is_ignored()
    {
        using var result = AuditEventReader.Read([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Event1)]);
        Assert.Equal("id-1", Assert.Single(result.Events).AuditId);
    }

    [Fact]
    public void Empty_EventList_is_ok_with_no_events()
    {
        using var result = Read("""{"kind":"EventList","items":[]}""");
        Assert.True(result.Ok);
        Assert.Empty(result.Events);
    }

    [Fact]
    public void Event_element_is_the_raw_event_object()
    {
        using var result = Read($$"""{"kind":"EventList","items":[{{Event1}}]}""");
        Assert.Equal(Event1, result.Events[0].GetRawText());
        Assert.Equal("ResponseComplete", result.Events[0].Element.GetProperty("stage").GetString());
    }

    [Fact]
    public void Invalid_json_is_rejected_with_line_and_byte()
    {
        using var result = Read("{\"kind\":\"EventList\",\n\"items\": [ }");
        AssertSingleError(result, "body", "not valid JSON");
        Assert.Contains("line 2", result.Errors[0].Message);
    }

    [Fact]
    public void Empty_body_is_rejected()
    {
        using var result = Read("  \n");
        AssertSingleError(result, "body", "empty");
    }

    [Fact]
    public void Trailing_data_after_the_value_is_rejected()
    {
        using var result = Read(Event1 + " " + Event2);
        AssertSingleError(result, "body", "unexpected data");
    }

    [Fact]
    public void Wrong_kind_is_rejected_naming_the_kind()
    {
        using var result = Read("""{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"}}""");
        AssertSingleError(result, "kind", "\"Pod\"");
    }

    [Fact]
    public void EventList_without_items_is_rejected()
    {
        using var result = Read("""{"kind":"EventList","apiVersion":"audit.k8s.io/v1"}""");
        AssertSingleError(result, "items", "needs items");
    }

    [Fact]
    public void EventList_with_items_not_an_array_is_rejected()
    {
        using var result = Read("""{"kind":"EventList","items":{"auditID":"x"}}""");
        AssertSingleError(result, "items", "got an object");
    }

    [Fact]
    public void Item_that_is_not_an_object_is_rejected_by_index()
    {
        using var result = Read($$"""{"kind":"EventList","items":[{{Event1}},{{Event2}},{{Event1}},"oops"]}""");
        AssertSingleError(result, "items[3]", "got a string");
    }

    [Fact]
    public void Item_without_auditID_is_rejected_by_path_and_nothing_of_the_batch_is_accepted()
    {
        using var result = Read($$"""{"kind":"EventList","items":[{{Event1}},{{Event2}},{"kind":"Event","stageTimestamp":"2024-05-01T10:00:00Z"}]}""");
        AssertSingleError(result, "items[2].auditID", "needs an auditID");
    }

    [Fact]
    public void Item_with_a_non_string_auditID_is_rejected()
    {
        using var result = Read("""{"kind":"EventList","items":[{"auditID":42,"stageTimestamp":"2024-05-01T10:00:00Z"}]}""");
        AssertSingleError(result, "items[0].auditID", "42");
    }

    [Fact]
    public void Item_of_another_kind_is_rejected()
    {
        using var result = Read("""{"kind":"EventList","items":[{"kind":"Pod","auditID":"a","stageTimestamp":"2024-05-01T10:00:00Z"}]}""");
        AssertSingleError(result, "items[0].kind", "\"Pod\"");
    }

    [Fact]
    public void Bad_stageTimestamp_is_rejected_even_with_a_good_requestReceivedTimestamp()
    {
        using var result = Read("""{"kind":"EventList","items":[{"auditID":"a","stageTimestamp":"yesterday","requestReceivedTimestamp":"2024-05-01T10:00:00Z"}]}""");
        AssertSingleError(result, "items[0].stageTimestamp", "yesterday");
    }

    [Fact]
    public void Bad_requestReceivedTimestamp_is_rejected()
    {
        using var result = Read("""{"auditID":"a","requestReceivedTimestamp":"2024-13-01T10:00:00Z"}""");
        AssertSingleError(result, "requestReceivedTimestamp", "RFC 3339");
    }

    [Fact]
    public void A_timestamp_written_with_escapes_or_an_offset_reads_as_the_same_time()
    {
        using var result = Read("""[{"auditID":"a","stageTimestamp":"2024-05-01T10:00:00\u002E123456789Z"},{"auditID":"b","stageTimestamp":"2024-05-01T12:00:00.123456789+02:00"}]""");
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal([1714557600_123456789L, 1714557600_123456789L], result.Events.Select(e => e.UnixNanoseconds));
    }

    [Fact]
    public void The_last_of_repeated_properties_counts_and_escaped_names_are_read_unescaped()
    {
        using var good = Read("""[{"auditID":"","\u0061uditID":"a","stageTimestamp":"yesterday","stageTimestamp":"2024-05-01T10:00:00Z"}]""");
        Assert.True(good.Ok, string.Join("\n", good.Errors));
        Assert.Equal(1714557600_000000000L, Assert.Single(good.Events).UnixNanoseconds);

        using var bad = Read("""{"kind":"EventList","items":[{"auditID":"a","auditID":"","st\u0061geTimestamp":"2024-05-01T10:00:00Z"}]}""");
        AssertSingleError(bad, "items[0].auditID", "non-empty string");
    }

    [Fact]
    public void Event_without_any_timestamp_is_rejected()
    {
        using var result = Read("""{"kind":"EventList","items":[{"auditID":"a"}]}""");
        AssertSingleError(result, "items[0].stageTimestamp", "needs stageTimestamp or requestReceivedTimestamp");
    }

    [Fact]
    public void Every_bad_item_is_reported()
    {
        using var result = Read("""{"kind":"EventList","items":[{"stageTimestamp":"2024-05-01T10:00:00Z"},1,{"auditID":"ok","stageTimestamp":"2024-05-01T10:00:00Z"},{"auditID":"b","stageTimestamp":"x"}]}""");
        Assert.Equal(["items[0].auditID", "items[1]", "items[3].stageTimestamp"], result.Errors.Select(e => e.Field));
        Assert.Empty(result.Events);
    }

    [Fact]
    public void Errors_are_capped_with_a_count_of_the_rest()
    {
        var items = string.Join(",", Enumerable.Repeat("1", AuditEventReader.MaxErrors + 7));
        using var result = Read($$"""{"kind":"EventList","items":[{{items}}]}""");
        Assert.Equal(AuditEventReader.MaxErrors + 1, result.Errors.Count);
        Assert.Contains("7 more", result.Errors[^1].Message);
    }

    [Fact]
    public void Deep_nesting_is_a_clean_error_not_a_crash()
    {
        var deep = new string('[', 1000) + new string(']', 1000);
        using var result = Read($$"""{"kind":"EventList","items":[{"auditID":"a","stageTimestamp":"2024-05-01T10:00:00Z","requestObject":{{deep}}}]}""");
        AssertSingleError(result, "body", $"deeper than {AuditEventReader.MaxDepth}");
    }

    [Fact]
    public void Scalar_root_is_rejected()
    {
        using var result = Read("42");
        AssertSingleError(result, "body", "got a number");
    }

    [Fact]
    public void Object_that_is_neither_list_nor_event_is_rejected()
    {
        using var result = Read("""{"hello":"world"}""");
        AssertSingleError(result, "body", "EventList");
    }

    [Fact]
    public void Json_lines_read_events_and_lists_from_each_line_skipping_blank_lines()
    {
        var body = $$"""{{Event1}}{{"\n\n"}}{"kind":"EventList","items":[{{Event2}}]}{{"\r\n"}}""";
        using var result = AuditEventReader.ReadJsonLines(Encoding.UTF8.GetBytes(body));
        Assert.True(result.Ok, string.Join("; ", result.Errors));
        Assert.Equal(["id-1", "id-2"], result.Events.Select(e => e.AuditId));
    }

    [Fact]
    public void Json_lines_errors_name_the_line()
    {
        var body = Event1 + "\n\n{not json}\n{\"auditID\":\"z\"}\n";
        using var result = AuditEventReader.ReadJsonLines(Encoding.UTF8.GetBytes(body));
        Assert.Empty(result.Events);
        Assert.Equal(["[1]", "[2].stageTimestamp"], result.Errors.Select(e => e.Field));
        Assert.StartsWith("Line 3 ", result.Errors[0].Message);
        Assert.StartsWith("Line 4: ", result.Errors[1].Message);
    }

    [Fact]
    public void Json_lines_empty_body_is_rejected()
    {
        using var result = AuditEventReader.ReadJsonLines("\n \n"u8);
        AssertSingleError(result, "body", "empty");
    }

    [Fact]
    public void Every_conformance_trace_reads_through_the_json_lines_reader()
    {
        var files = Directory.GetFiles(SharedCorpus.Conformance("traces"), "*.json");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            using var result = AuditEventReader.ReadJsonLines(File.ReadAllBytes(file));
            Assert.True(result.Ok, $"{Path.GetFileName(file)}: {string.Join("; ", result.Errors)}");
            Assert.NotEmpty(result.Events);
            Assert.All(result.Events, e => Assert.True(e.UnixNanoseconds > 1_500_000_000_000_000_000L));
        }
    }
}
