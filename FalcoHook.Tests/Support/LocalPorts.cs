using System.Net;
using System.Net.Sockets;

namespace FalcoHook.Tests.Support;

/// <summary>Loopback ports for the servers the tests start.</summary>
internal static class LocalPorts
{
    /// <summary>A port nothing listens on now (the system picks it; it is free until someone binds it).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Whether something accepts TCP connections on <paramref name="port"/>.</summary>
    public static bool Listening(int port)
    {
        try
        {
            using var probe = new TcpClient();
            probe.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
