using Amazon.Runtime;
using FalcoHook.Core.Destinations.Aws;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// Signature Version 4 as the AWS destinations use it, pinned to AWS's documented example: the IAM
/// <c>ListUsers</c> request of https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html (key
/// AKIDEXAMPLE, 2015-08-30 12:36:00 UTC, us-east-1, service iam), whose canonical request hashes to f536975d… and whose
/// signature is 5d672d79…. The fakes' verifier must reproduce it; the signer the destinations use must pass the verifier.
/// </summary>
public sealed class AwsSigningTests
{
    private const string ExampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    [Fact]
    public void The_fakes_verifier_reproduces_AWSs_documented_example_signature()
    {
        var headers = new Dictionary<string, string>
        {
            ["content-type"] = "application/x-www-form-urlencoded; charset=utf-8",
            ["host"] = "iam.amazonaws.com",
            ["x-amz-date"] = "20150830T123600Z",
        };
        var emptyBody = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

        var canonical = SigV4Verifier.CanonicalRequest("GET", "/", "?Action=ListUsers&Version=2010-05-08", headers, "content-type;host;x-amz-date", emptyBody);
        var signature = SigV4Verifier.Signature("GET", "/", "?Action=ListUsers&Version=2010-05-08", headers, "content-type;host;x-amz-date", emptyBody,
            "20150830T123600Z", "us-east-1", "iam", ExampleSecret);

        Assert.Equal("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical))));
        Assert.Equal("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7", signature);
        Assert.NotEqual(signature, SigV4Verifier.Signature("GET", "/", "?Action=ListUsers&Version=2010-05-08", headers, "content-type;host;x-amz-date",
            emptyBody, "20150830T123600Z", "us-east-1", "iam", ExampleSecret + "x"));
    }

    [Fact]
    public async Task A_request_signed_for_a_destination_passes_the_verifier_and_a_changed_body_does_not()
    {
        var body = "{\"StreamName\":\"falco\",\"Records\":[]}"u8.ToArray();
        var endpoint = new Uri("https://kinesis.eu-west-1.amazonaws.com/");
        var at = new DateTimeOffset(2026, 12, 2, 3, 4, 5, TimeSpan.Zero);
        using var request = await AwsRequest.CreateAsync(endpoint, body, "application/x-amz-json-1.1",
            new Dictionary<string, string> { ["X-Amz-Target"] = "Kinesis_20131202.PutRecords" },
            new BasicAWSCredentials("AKIDEXAMPLE", ExampleSecret), "eu-west-1", "kinesis", at, CancellationToken.None);

        var recorded = Record(request, body);
        Assert.Equal("20261202T030405Z", recorded.Header("X-Amz-Date"));
        Assert.Contains("x-amz-target", recorded.Header("Authorization"));
        Assert.Null(SigV4Verifier.Problem(recorded, "AKIDEXAMPLE", ExampleSecret, "eu-west-1", "kinesis"));
        Assert.NotNull(SigV4Verifier.Problem(Record(request, "{}"u8.ToArray()), "AKIDEXAMPLE", ExampleSecret, "eu-west-1", "kinesis"));
        Assert.NotNull(SigV4Verifier.Problem(recorded, "AKIDEXAMPLE", ExampleSecret, "us-east-1", "kinesis"));
    }

    private static RecordedRequest Record(HttpRequestMessage request, byte[] body)
    {
        var headers = request.Headers.Concat(request.Content!.Headers).ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        headers["Host"] = request.RequestUri!.Host;
        return new RecordedRequest("POST", request.RequestUri.AbsolutePath, request.RequestUri.Query, headers, body, DateTimeOffset.UnixEpoch);
    }
}
