using System.Net;
using System.Net.Sockets;

namespace Platewatch.Cli.Workspace;

/// <summary>For benchmarks that start their own server or receiver on 127.0.0.1.</summary>
internal static class Loopback
{
    /// <summary>A port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
