using System.Net;
using System.Net.NetworkInformation;
using Provisioner.Boot.Inventory;
using Provisioner.Core.Networking;
using Provisioner.Dhcp.Scopes;

namespace Provisioner.Boot.Dhcp;

/// <summary>
/// The DHCP scopes are the BPODs (one scope per rack subnet) and the reservations are the nodes' assigned addresses,
/// read from the inventory snapshot; rebuilt only when the snapshot object changes.
/// </summary>
public sealed class InventoryScopeSource(InventorySnapshotCache cache) : IDhcpScopeSource
{
    private readonly Lock _gate = new();
    private InventorySnapshot? _builtFrom;
    private IReadOnlyList<DhcpScope> _scopes = [];
    private Dictionary<PhysicalAddress, DhcpReservation> _reservations = [];
    private HashSet<IPAddress> _reserved = [];

    public IReadOnlyList<DhcpScope> Scopes
    {
        get
        {
            Rebuild();
            return _scopes;
        }
    }

    public DhcpReservation? FindReservation(PhysicalAddress mac)
    {
        Rebuild();
        return _reservations.GetValueOrDefault(mac);
    }

    public bool IsReserved(IPAddress address)
    {
        Rebuild();
        return _reserved.Contains(address);
    }

    /// <summary>The scope id of a BPOD (stored with each lease).</summary>
    public static string ScopeId(Guid bpodId) => bpodId.ToString("N");

    private void Rebuild()
    {
        var snapshot = cache.Current;
        if (ReferenceEquals(snapshot, _builtFrom))
        {
            return;
        }

        lock (_gate)
        {
            if (ReferenceEquals(snapshot, _builtFrom))
            {
                return;
            }

            _scopes = snapshot.Bpods.Select(b => new DhcpScope
            {
                Id = ScopeId(b.Id),
                Network = b.ProvisioningSubnet.NetworkAddress,
                PrefixLength = b.ProvisioningSubnet.PrefixLength,
                Ranges = [new DhcpAddressRange(b.DynamicRangeStart, b.DynamicRangeEnd)],
                Router = b.Gateway,
                DnsServers = b.DnsServers,
                DomainName = b.DomainName,
                NtpServers = b.NtpServers,
                LeaseTime = b.LeaseTime,
                Mtu = b.Mtu == 1500 ? null : b.Mtu,
                RelayAddresses = b.RelayAddresses,
                InterfaceName = b.NetworkType == Core.Inventory.BpodNetworkType.L2 ? b.InterfaceName : null,
                AllowUnknownClients = b.EnlistUnknown,
            }).ToArray();

            var reservations = new Dictionary<PhysicalAddress, DhcpReservation>();
            var reserved = new HashSet<IPAddress>();
            foreach (var node in snapshot.Nodes)
            {
                if (node.AssignedIp is null || node.PxeInterface is not { } nic)
                {
                    continue;
                }

                var mac = new PhysicalAddress(nic.Mac.GetBytes());
                reservations[mac] = new DhcpReservation(mac, node.AssignedIp, node.Hostname);
                reserved.Add(node.AssignedIp);
            }

            _reservations = reservations;
            _reserved = reserved;
            _builtFrom = snapshot;
        }
    }

    /// <summary>Converts between the DHCP library's MAC type and the domain's.</summary>
    public static MacAddress ToMac(PhysicalAddress mac) => MacAddress.FromBytes(mac.GetAddressBytes());
}
