using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Options;

namespace Provisioner.Appliance.Diagnostics;

/// <summary>
/// The TFTP server answers: a read request (RFC 1350) for a file that cannot exist, sent to the configured address and
/// port, must come back as an ERROR (or DATA) packet. With TFTP off while DHCP serves machines, BIOS PXE ROMs (which load
/// their boot loader over TFTP) cannot boot: a warning.
/// </summary>
public sealed class TftpDiagnosticCheck(ApplianceSettings settings) : IDiagnosticCheck
{
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(2);

    public string Name => "tftp";

    public TimeSpan Timeout => TimeSpan.FromSeconds(5);

    public async Task<DiagnosticResult> RunAsync(CancellationToken cancellationToken)
    {
        if (!settings.Tftp.Enabled)
        {
            return settings.Dhcp.Mode == DhcpMode.Off
                ? DiagnosticResult.Ok("TFTP is off (Tftp:Enabled=false).")
                : DiagnosticResult.Warn("TFTP is off while DHCP hands out boot loaders: BIOS PXE ROMs load undionly.kpxe over TFTP and cannot boot.",
                    "Set Tftp:Enabled=true (UEFI machines boot over HTTP and do not need it).");
        }

        var address = IPAddress.Parse(settings.Tftp.Address);
        var target = new IPEndPoint(address.Equals(IPAddress.Any) ? IPAddress.Loopback : address, settings.Tftp.Port);
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["address"] = settings.Tftp.Address,
            ["port"] = settings.Tftp.Port.ToString(CultureInfo.InvariantCulture),
        };
        try
        {
            using var udp = new UdpClient(AddressFamily.InterNetwork);
            var request = new List<byte> { 0, 1 };
            request.AddRange(Encoding.ASCII.GetBytes("provisioner-doctor-probe"));
            request.Add(0);
            request.AddRange(Encoding.ASCII.GetBytes("octet"));
            request.Add(0);
            await udp.SendAsync(request.ToArray(), target, cancellationToken).ConfigureAwait(false);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(AnswerWithin);
            var reply = await udp.ReceiveAsync(wait.Token).ConfigureAwait(false);
            // Opcode 5 = ERROR ("file not found"), 3 = DATA.
            return reply.Buffer is [0, 5, ..] or [0, 3, ..]
                ? DiagnosticResult.Ok($"TFTP answers on {target} (from {reply.RemoteEndPoint}).") with { Details = details }
                : DiagnosticResult.Fail($"Something on {target} answered, but not as TFTP.", $"Check what else listens on UDP {target.Port} (ss -ulpn).") with { Details = details };
        }
        catch (Exception e) when ((e is OperationCanceledException && !cancellationToken.IsCancellationRequested) || e is SocketException)
        {
            var why = e is SocketException se ? $"sending failed: {se.Message}" : $"no answer within {AnswerWithin.TotalSeconds:0} s";
            return DiagnosticResult.Fail($"The TFTP server on {target} does not answer its own appliance ({why}).",
                $"Check that {target.Address} is still an address of this machine (ip -4 addr) and that no firewall drops UDP {target.Port}; " +
                "then restart the appliance.") with { Details = details };
        }
    }
}
