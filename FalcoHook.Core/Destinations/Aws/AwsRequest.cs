using System.Net.Http.Headers;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace FalcoHook.Core.Destinations.Aws;

/// <summary>
/// One signed request to an AWS service that has no SDK package here (SNS, Kinesis, CloudWatch Logs): the body, its
/// content type and the protocol's headers, signed with Signature Version 4 by AWSSDK.Core's public signer
/// (<see cref="AWSSigV4Signer"/>) with the destination's credentials, at the time of <see cref="TimeProvider"/>.
/// </summary>
public static class AwsRequest
{
    /// <summary>A POST of <paramref name="body"/> to <paramref name="endpoint"/>, signed for <paramref name="service"/> in <paramref name="region"/>.</summary>
    public static async Task<HttpRequestMessage> CreateAsync(Uri endpoint, byte[] body, string contentType, IReadOnlyDictionary<string, string> headers,
        AWSCredentials credentials, string region, string service, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var signing = new AWSSigningRequest { HttpMethod = HttpMethod.Post, RequestUri = endpoint, Content = body };
        signing.Headers["Content-Type"] = contentType;
        foreach (var (name, value) in headers)
        {
            signing.Headers[name] = value;
            request.Headers.TryAddWithoutValidation(name, value);
        }
        var parameters = new AWSSigV4Parameters
        {
            Credentials = credentials,
            Region = RegionEndpoint.GetBySystemName(region),
            Service = service,
            SignedAt = now.UtcDateTime,
        };
        var signed = await AWSSigV4Signer.SignAsync(signing, parameters, cancellationToken).ConfigureAwait(false);
        foreach (var (name, value) in signed.Headers) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }
}
