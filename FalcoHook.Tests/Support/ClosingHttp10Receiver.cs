using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FalcoHook.Tests.Support;

/// <summary>
/// A raw-socket HTTP receiver that behaves like many small webhook servers: it answers
/// <c>HTTP/1.0 200 OK</c> with a <c>Content-Length</c> but without <c>Connection: close</c>, then closes the
/// connection after every response. A client that keeps the connection for the next request finds it closed.
/// With <see cref="SendConnectionClose"/> it announces the close, as a well-behaved server does.
/// </summary>
public sealed class ClosingHttp10Receiver : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Task _accepting;
    private int _requests;
    private int _connections;

    public ClosingHttp10Receiver(bool sendConnectionClose = false)
    {
        SendConnectionClose = sendConnectionClose;
        _listener.Start(backlog: 512);
        _accepting = AcceptAsync();
    }

    public bool SendConnectionClose { get; }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/hook";

    /// <summary>Complete requests answered 200.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Connections accepted.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Distinct <c>webhook-id</c>s answered 200.</summary>
    public int DistinctIds => _ids.Count;

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await _listener.AcceptSocketAsync(_stopping.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ServeOneAsync(socket));
        }
    }

    private async Task ServeOneAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                var request = await ReadRequestAsync(socket);
                if (request is null) return;
                var headers = SendConnectionClose ? "Connection: close\r\n" : "";
                var answer = Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n{headers}\r\nok");
                await socket.SendAsync(answer, SocketFlags.None, _stopping.Token);
                Interlocked.Increment(ref _requests);
                if (request.TryGetValue("webhook-id", out var id)) _ids.AddOrUpdate(id, 1, (_, n) => n + 1);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException) { }
            // Disposing closes the connection: the client learns of it only when it next reads or writes.
        }
    }

    /// <summary>Reads the head and the <c>Content-Length</c> body; returns the headers, or null when the client left.</summary>
    private async Task<Dictionary<string, string>?> ReadRequestAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        var filled = 0;
        int headEnd;
        while ((headEnd = IndexOfHeadEnd(buffer, filled)) < 0)
        {
            if (filled == buffer.Length) return null;
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, _stopping.Token);
            if (read == 0) return null;
            filled += read;
        }
        var lines = Encoding.ASCII.GetString(buffer, 0, headEnd).Split("\r\n");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        var length = headers.TryGetValue("Content-Length", out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : 0;
        var body = filled - (headEnd + 4);
        while (body < length)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
            if (read == 0) return null;
            body += read;
        }
        return headers;
    }

    private static int IndexOfHeadEnd(byte[] buffer, int filled) => buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        try { await _accepting; } catch (OperationCanceledException) { }
        _listener.Dispose();
        _stopping.Dispose();
    }
}
