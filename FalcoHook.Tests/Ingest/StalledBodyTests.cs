using System.Net;
using System.Net.Sockets;
using System.Text;
using FalcoHook.Tests.Operations;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Tests.Ingest;

/// <summary>
/// A client that announces a Content-Length and then stops sending, against the real Kestrel over a real socket:
/// Kestrel gives up on it (MinRequestBodyDataRate) and the answer is 408, logged at Debug, not a 500 with an error.
/// </summary>
public sealed class StalledBodyTests
{
    [Theory]
    [InlineData("/", """{"rule":"stalled","priority":"Notice",""")]
    [InlineData("/k8s-audit", """{"kind":"EventList","items":[""")]
    public async Task A_body_that_stops_short_of_its_content_length_gets_408_and_no_error_log(string path, string start)
    {
        var logs = new LogCapture();
        var port = FreePort();
        using var factory = new FalcoHookFactory()
            .With("urls", $"http://127.0.0.1:{port}")
            .With("Logging:LogLevel:FalcoHook", "Debug")
            .WithServices(services => services.AddSingleton<ILoggerProvider>(logs));
        factory.UseKestrel();
        factory.StartServer();

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + start));
        await stream.FlushAsync();

        // Nothing more is sent; Kestrel's minimum data rate (240 B/s after a 5 s grace) decides when to give up.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var answer = await ReadAnswerAsync(stream, guard.Token);

        Assert.StartsWith("HTTP/1.1 408", answer, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => logs.Records.Any(r => r.Level == LogLevel.Debug && r.Message.Contains("was not received whole", StringComparison.Ordinal)),
            "the debug log of the stalled body");
        Assert.DoesNotContain(logs.Records, r => r.Level >= LogLevel.Error);
        Assert.Equal(0, factory.Recorder.Total);
    }

    /// <summary>Reads until the connection closes or the answer's headers and a body have arrived.</summary>
    private static async Task<string> ReadAnswerAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, cancellationToken);
            }
            catch (IOException)
            {
                break; // the server closed the connection after answering
            }
            if (read == 0) break;
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            var answer = text.ToString();
            if (answer.Contains("\r\n\r\n", StringComparison.Ordinal) && answer.TrimEnd().EndsWith('}')) break;
        }
        return text.ToString();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
