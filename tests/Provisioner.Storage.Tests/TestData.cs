using System.Net;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;

namespace Provisioner.Storage.Tests;

internal static class TestData
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static Zone Zone(string name = "z1") => new() { Id = Guid.NewGuid(), Name = name, Description = "zone " + name, CreatedAt = T0 };

    public static Bpod Bpod(Guid zoneId, string name = "r01", string subnet = "10.77.1.0/24") => new()
    {
        Id = Guid.NewGuid(),
        ZoneId = zoneId,
        Name = name,
        NetworkType = BpodNetworkType.L3,
        ProvisioningSubnet = Ipv4Network.Parse(subnet),
        Gateway = IPAddress.Parse("10.77.1.1"),
        DnsServers = [IPAddress.Parse("10.0.0.53"), IPAddress.Parse("10.0.1.53")],
        DynamicRangeStart = IPAddress.Parse("10.77.1.100"),
        DynamicRangeEnd = IPAddress.Parse("10.77.1.200"),
        RelayAddresses = [IPAddress.Parse("10.77.1.1")],
        ManagementSubnet = Ipv4Network.Parse("10.78.1.0/24"),
        LeaseTime = TimeSpan.FromMinutes(30),
        CreatedAt = T0,
    };

    public static Node Node(Guid bpodId, string hostname, string mac, int? slot = null) => new()
    {
        Id = Guid.NewGuid(),
        Hostname = hostname,
        BpodId = bpodId,
        Slot = slot,
        Interfaces = [new NodeInterface(MacAddress.Parse(mac), "eno1", IsPxe: true)],
        Tags = ["gpu", "rack-a"],
        Deploy = new DeploySettings { Image = "debian-12", Variables = new Dictionary<string, string> { ["role"] = "worker" } },
        Bmc = new BmcSettings
        {
            Driver = "ipmi", Address = "10.78.1.10", Port = 623, Username = "admin", Secret = "s3cret-bmc-pw",
            Options = new Dictionary<string, string> { ["cipher"] = "17" },
        },
        AssignedIp = IPAddress.Parse("10.77.1.50"),
        SystemUuid = Guid.NewGuid(),
        CreatedAt = T0,
    };
}
