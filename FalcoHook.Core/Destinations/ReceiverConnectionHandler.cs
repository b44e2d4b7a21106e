using System.Net;

namespace FalcoHook.Core.Destinations;

/// <summary>
/// The primary handler of a destination's HttpClient: keeps the receiver's closed connections from costing delivery
/// attempts. A connection pool can hand out a kept-alive connection that the receiver has already closed: receivers
/// that answer HTTP/1.0 without <c>Connection: close</c> and hang up do it after every answer, others when they drop
/// idle connections. So:
/// <list type="bullet">
/// <item>a send that failed on an open connection before an answer came (the transport's <see cref="IOException"/>,
/// or the answer ending before its headers) is sent once more, at once, on a new connection;</item>
/// <item>once the receiver answered HTTP/1.0 without <c>Connection: keep-alive</c> (it closes after each answer), every
/// request goes on a new connection that is not kept afterwards;</item>
/// <item>idle pooled connections are dropped after <see cref="PooledConnectionIdleTimeout"/>, before common server
/// keep-alive timeouts drop them.</item>
/// </list>
/// </summary>
/// <remarks>
/// A refused, unresolvable or TLS-failed connection is not resent: that is the receiver being down, the outbox's
/// business. The resend is safe: every request a destination gets carries its stable delivery id (<c>webhook-id</c>,
/// PagerDuty's <c>dedup_key</c>), and the attempt's timeout (<c>HttpClient.Timeout</c>) bounds both sends together.
/// What the handler learnt about the receiver lasts as long as the handler (IHttpClientFactory renews it every few minutes,
/// which also reads a destination's <c>Https</c> files again: a renewed certificate is used from then on).
/// </remarks>
public sealed class ReceiverConnectionHandler : DelegatingHandler
{
    /// <summary>
    /// How long an unused pooled connection is kept: shorter than the 5 s keep-alive timeout of Node.js and Apache
    /// (the shortest common server defaults), so FalcoHook lets go of an idle connection before such a receiver does.
    /// </summary>
    public static readonly TimeSpan PooledConnectionIdleTimeout = TimeSpan.FromSeconds(4);

    // Connections used for one request each: a lifetime of zero retires a connection when its answer is read.
    private readonly HttpMessageInvoker _unpooled;
    private readonly string? _tlsError;
    private volatile bool _receiverCloses;

    public ReceiverConnectionHandler() : this(null)
    {
    }

    /// <summary>With <paramref name="tls"/> (<see cref="ClientTls.Load"/>), every connection presents its client certificate and trusts its CAs.</summary>
    public ReceiverConnectionHandler(ClientTls? tls) : base(Sockets(tls, new SocketsHttpHandler { PooledConnectionIdleTimeout = PooledConnectionIdleTimeout }))
    {
        _unpooled = new(Sockets(tls, new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }), disposeHandler: true);
        _tlsError = tls?.Error;
    }

    private static SocketsHttpHandler Sockets(ClientTls? tls, SocketsHttpHandler handler)
    {
        tls?.Apply(handler);
        return handler;
    }

    /// <summary>True once the receiver answered in a way that says it closes the connection after each answer.</summary>
    public bool ReceiverClosesConnections => _receiverCloses;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_tlsError is { } error) throw new HttpRequestException(HttpRequestError.SecureConnectionError, error);
        if (_receiverCloses) return await _unpooled.SendAsync(request, cancellationToken).ConfigureAwait(false);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (LostEstablishedConnection(e) && !cancellationToken.IsCancellationRequested)
        {
            response = await _unpooled.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        if (ClosesAfterAnswer(response)) _receiverCloses = true;
        return response;
    }

    /// <summary>
    /// True for a send that failed reading or writing an open connection. Connecting failures carry
    /// <see cref="HttpRequestError.ConnectionError"/>, <see cref="HttpRequestError.NameResolutionError"/> or
    /// <see cref="HttpRequestError.SecureConnectionError"/> with a socket or TLS exception instead; an answer that
    /// arrived malformed is <see cref="HttpRequestError.InvalidResponse"/>.
    /// </summary>
    public static bool LostEstablishedConnection(HttpRequestException exception) =>
        exception.InnerException is IOException &&
        exception.HttpRequestError is HttpRequestError.Unknown or HttpRequestError.ResponseEnded;

    /// <summary>An HTTP/1.0 answer without <c>Connection: keep-alive</c>: the receiver closes the connection after it.</summary>
    public static bool ClosesAfterAnswer(HttpResponseMessage response) =>
        response.Version == HttpVersion.Version10 &&
        !response.Headers.Connection.Contains("keep-alive", StringComparer.OrdinalIgnoreCase);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _unpooled.Dispose();
        base.Dispose(disposing);
    }
}
