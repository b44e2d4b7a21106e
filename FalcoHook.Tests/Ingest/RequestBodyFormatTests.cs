using FalcoHook.Api.Ingest;
using Microsoft.AspNetCore.Http;

namespace FalcoHook.Tests.Ingest;

public sealed class RequestBodyFormatTests
{
    [Theory]
    [InlineData("application/json", BodyFormat.Json)]
    [InlineData("APPLICATION/JSON", BodyFormat.Json)]
    [InlineData("application/json; charset=utf-8", BodyFormat.Json)]
    [InlineData("application/json ", BodyFormat.Json)]
    [InlineData("application/cloudevents+json", BodyFormat.Json)]
    [InlineData("application/x-ndjson", BodyFormat.Ndjson)]
    [InlineData("application/jsonl", BodyFormat.Ndjson)]
    [InlineData("text/plain; charset=utf-8", BodyFormat.Text)]
    [InlineData("text/html", BodyFormat.Unsupported)]
    [InlineData("application/jsonx", BodyFormat.Unsupported)]
    [InlineData("", BodyFormat.Unsupported)]
    [InlineData(null, BodyFormat.Unsupported)]
    public void The_content_type_decides_the_format(string? contentType, BodyFormat expected)
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = contentType;
        Assert.Equal(expected, RequestBody.FormatOf(context.Request));
    }
}
