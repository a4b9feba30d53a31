using System.Globalization;
using System.Net;
using Provisioner.Net;
using Provisioner.Tftp;
using Provisioner.Tftp.Files;
using Provisioner.Tftp.Transport;

// Usage: TftpBench <root> <address> [port] [max-windowsize]
// Serves <root> until SIGTERM/SIGINT, then prints the counters.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: TftpBench <root> <address> [port] [max-windowsize]");
    return 2;
}

var root = args[0];
var address = IPAddress.Parse(args[1]);
var port = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 69;
var maxWindow = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 64;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

await using var listener = new UdpDatagramChannel(new UdpChannelSettings { Bind = new IPEndPoint(address, port), ReceiveBufferSize = 4 << 20 });
var server = new TftpServer(
    new TftpServerOptions { MaxWindowSize = maxWindow },
    listener,
    local => new UdpTransferChannel(local, sendBufferSize: 1 << 20), // as the appliance
    new DirectoryFileSource(new DirectoryFileSourceOptions { Root = root }));
Console.WriteLine($"listening on {listener.LocalEndPoint}");
await server.RunAsync(stop.Token);
var c = server.GetCounters();
Console.WriteLine($"transfers {c.TransfersStarted} completed {c.Outcomes[Provisioner.Tftp.Server.TftpTransferOutcome.Completed]} " +
    $"timedout {c.Outcomes[Provisioner.Tftp.Server.TftpTransferOutcome.TimedOut]} bytes {c.BytesSent} retransmissions {c.Retransmissions}");
return 0;
