using System.Collections.Concurrent;
using System.Net;
using Provisioner.Core.Networking;

namespace Provisioner.Boot.Inventory;

/// <summary>
/// Which MAC holds which IPv4 address, learnt from DHCP acknowledgements, so a TFTP or HTTP request (which carries only
/// an address) lands on the right node's boot timeline.
/// </summary>
public sealed class ClientAddressBook
{
    private readonly ConcurrentDictionary<IPAddress, MacAddress> _byAddress = new();

    public void Learn(IPAddress address, MacAddress mac) => _byAddress[address] = mac;

    public MacAddress? Find(IPAddress address) => _byAddress.TryGetValue(address, out var mac) ? mac : null;
}
