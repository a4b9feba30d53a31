using System.Net.NetworkInformation;
using System.Net.Sockets;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Options;

namespace Provisioner.Appliance.Diagnostics;

/// <summary>
/// DHCP serves every configured interface: the server opened its socket there, the kernel holds as many sockets of ours
/// on the DHCP port as interfaces are configured, and each interface still exists, is up and has the IPv4 address the
/// server answers from.
/// </summary>
public sealed class DhcpListenerDiagnosticCheck(ApplianceSettings settings, ListenerRegistry listeners) : IDiagnosticCheck
{
    public string Name => "dhcp-listeners";

    public Task<DiagnosticResult> RunAsync(CancellationToken cancellationToken)
    {
        if (settings.Dhcp.Mode == DhcpMode.Off)
        {
            return Task.FromResult(DiagnosticResult.Ok("DHCP is off (Dhcp:Mode=Off): machines need another DHCP server that sends them here."));
        }

        var port = settings.Dhcp.Port;
        var open = listeners.Of("dhcp").Where(l => l.EndPoint.Port == port).ToArray();
        var nics = NetworkInterface.GetAllNetworkInterfaces().ToDictionary(n => n.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        var fixes = new List<string>();
        foreach (var name in settings.Dhcp.Interfaces)
        {
            if (!nics.TryGetValue(name, out var nic))
            {
                problems.Add($"interface {name} no longer exists");
                fixes.Add($"recreate {name} or change Dhcp:Interfaces and restart the appliance");
                continue;
            }

            if (nic.OperationalStatus == OperationalStatus.Down)
            {
                problems.Add($"{name} is down");
                fixes.Add($"bring it up (ip link set {name} up) and check its cable or bridge");
            }

            if (!nic.GetIPProperties().UnicastAddresses.Any(a => a.Address.AddressFamily == AddressFamily.InterNetwork))
            {
                problems.Add($"{name} has no IPv4 address any more (DHCP answers from it)");
                fixes.Add($"give {name} its address back (ip addr add ADDRESS/LEN dev {name}) and restart the appliance");
            }

            if (!open.Any(l => l.Interface == name))
            {
                problems.Add($"no DHCP socket was opened on {name}");
                fixes.Add("look for the 'dhcp' loop in the appliance log");
            }
        }

        // One socket per interface on the DHCP port (SO_BINDTODEVICE), or one unbound socket for relay-only set-ups.
        var expected = Math.Max(1, settings.Dhcp.Interfaces.Count);
        var bound = ListenerRegistry.OwnUdpSocketsOn(port);
        if (bound < expected)
        {
            problems.Add($"the kernel shows {bound} socket(s) of this appliance on UDP {port}, {expected} expected");
            fixes.Add($"check that nothing else holds UDP {port} (ss -ulpn 'sport = :{port}') and restart the appliance");
        }

        return Task.FromResult(problems.Count == 0
            ? DiagnosticResult.Ok($"{settings.Dhcp.Mode} DHCP bound on UDP {port} of {string.Join(", ", settings.Dhcp.Interfaces)}.")
            : DiagnosticResult.Fail($"DHCP ({settings.Dhcp.Mode}): {string.Join("; ", problems)}.", string.Join("; ", fixes.Distinct()) + "."));
    }
}
