using System.Net;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;

namespace Provisioner.Core.Tests.Inventory;

/// <summary>One node's bonds and VLANs from its BPOD's layout: members from its interfaces, addresses derived per node.</summary>
[Trait("Area", "Core")]
public sealed class NodeNetworkResolverTests
{
    private static readonly MacAddress Pxe = MacAddress.Parse("52:54:00:00:07:00");
    private static readonly MacAddress Data1 = MacAddress.Parse("52:54:00:00:07:01");
    private static readonly MacAddress Data2 = MacAddress.Parse("52:54:00:00:07:02");

    private static Bpod Rack(BpodNetworkLayout layout) => new()
    {
        Id = Guid.NewGuid(),
        ZoneId = Guid.NewGuid(),
        Name = "r07",
        ProvisioningSubnet = Ipv4Network.Parse("10.77.0.0/24"),
        DynamicRangeStart = IPAddress.Parse("10.77.0.100"),
        DynamicRangeEnd = IPAddress.Parse("10.77.0.200"),
        Network = layout,
    };

    private static Node Node(int? slot = 7, string? ip = "10.77.0.27", Dictionary<string, string>? variables = null) => new()
    {
        Id = Guid.NewGuid(),
        Hostname = "web-07",
        BpodId = Guid.NewGuid(),
        Slot = slot,
        AssignedIp = ip is null ? null : IPAddress.Parse(ip),
        Interfaces = [new NodeInterface(Pxe, "eno1", IsPxe: true), new NodeInterface(Data1, "ens1f0"), new NodeInterface(Data2, "ens1f1")],
        Deploy = new DeploySettings { Variables = variables ?? new Dictionary<string, string>() },
    };

    private static readonly BpodNetworkLayout Typical = new()
    {
        Bonds = [new BondDefinition { Name = "bond0", Members = BondMemberRule.NonPxeInterfaces, Mtu = 9000 }],
        Vlans =
        [
            new VlanDefinition { Id = 120, Name = "bond0.120", Link = "bond0", Subnet = Ipv4Network.Parse("10.120.0.0/24"), Gateway = IPAddress.Parse("10.120.0.1") },
            new VlanDefinition
            {
                Id = 130, Name = "bond0.130", Link = "bond0", Subnet = Ipv4Network.Parse("10.130.0.0/24"), Addressing = VlanAddressing.Slot, HostOffset = 100,
            },
            new VlanDefinition { Id = 140, Name = "pxe.140", Link = "pxe", Subnet = Ipv4Network.Parse("10.140.0.0/24"), Addressing = VlanAddressing.Dhcp },
        ],
        DefaultRouteVlan = "bond0.120",
    };

    [Fact]
    public void Resolve_TypicalLayout_MembersAreTheNodesNicsAndAddressesDerive()
    {
        var network = NodeNetworkResolver.Resolve(Rack(Typical), Node());

        Assert.Empty(network.Problems);
        var bond = Assert.Single(network.Bonds);
        Assert.Equal([Data1, Data2], bond.Members.Select(m => m.Mac));
        Assert.True(bond.CarriesProvisioning);
        Assert.Equal(("fast", "layer3+4"), (bond.LacpRate, bond.TransmitHashPolicy));
        Assert.Equal(9000, bond.Mtu);

        var (v120, v130, v140) = (network.Vlans[0], network.Vlans[1], network.Vlans[2]);
        Assert.Equal(IPAddress.Parse("10.120.0.27"), v120.Address); // provisioning host 27
        Assert.True(v120.DefaultRoute);
        Assert.Equal("bond0", v120.ParentBond);
        Assert.Equal(IPAddress.Parse("10.130.0.107"), v130.Address); // slot 7 + 100
        Assert.False(v130.DefaultRoute);
        Assert.Null(v140.Address);
        Assert.True(v140.Dhcp);
        Assert.Null(v140.ParentBond);
        Assert.Equal(Pxe, v140.ParentInterface!.Mac);
    }

    [Fact]
    public void Resolve_EmptyLayout_GivesNothingAndNoProblems()
    {
        var network = NodeNetworkResolver.Resolve(Rack(BpodNetworkLayout.Empty), Node(slot: null, ip: null));
        Assert.Empty(network.Bonds);
        Assert.Empty(network.Vlans);
        Assert.Empty(network.Problems);
    }

    [Fact]
    public void Resolve_ByNameAndIndex_FollowTheNodesInterfaceOrder()
    {
        var layout = new BpodNetworkLayout
        {
            Bonds =
            [
                new BondDefinition { Name = "bond0", Mode = BondModes.ActiveBackup, Members = BondMemberRule.ByName("ens1f1", "ens1f0") },
                new BondDefinition { Name = "bond1", Mode = "balance-xor", Members = BondMemberRule.ByIndex(0), TransmitHashPolicy = "layer2" },
            ],
            ProvisioningLink = "bond1",
        };

        var network = NodeNetworkResolver.Resolve(Rack(layout), Node());

        Assert.Empty(network.Problems);
        Assert.Equal([Data2, Data1], network.Bonds[0].Members.Select(m => m.Mac));
        Assert.Null(network.Bonds[0].LacpRate);
        Assert.Null(network.Bonds[0].TransmitHashPolicy);
        Assert.False(network.Bonds[0].CarriesProvisioning);
        Assert.Equal([Pxe], network.Bonds[1].Members.Select(m => m.Mac));
        Assert.Equal("layer2", network.Bonds[1].TransmitHashPolicy);
        Assert.True(network.Bonds[1].CarriesProvisioning);
    }

    [Fact]
    public void Resolve_NodeWithoutTheNamedInterfaces_LeavesBondAndItsVlansOutAndSaysWhy()
    {
        var layout = Typical with { Bonds = [new BondDefinition { Name = "bond0", Members = BondMemberRule.ByIndex(3, 4) }] };

        var network = NodeNetworkResolver.Resolve(Rack(layout), Node());

        Assert.Empty(network.Bonds);
        Assert.Equal(["pxe.140"], network.Vlans.Select(v => v.Name));
        Assert.Contains(network.Problems, p => p.StartsWith("Node web-07 (BPOD r07), bond bond0: the node has no interface at index 3", StringComparison.Ordinal));
        Assert.Contains(network.Problems, p => p.Contains("VLAN bond0.120: its link bond0 is not built", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_NoProvisioningAddressOrSlot_CannotDerive()
    {
        var network = NodeNetworkResolver.Resolve(Rack(Typical), Node(slot: null, ip: null));

        Assert.Null(network.Vlans[0].Address);
        Assert.Null(network.Vlans[1].Address);
        Assert.Contains(network.Problems, p => p.Contains("VLAN bond0.120: the node has no provisioning address", StringComparison.Ordinal));
        Assert.Contains(network.Problems, p => p.Contains("VLAN bond0.130: the node has no slot", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(155, 100, "host number 255")] // broadcast of the /24
    [InlineData(7, -7, "host number 0")] // network address
    public void Resolve_DerivedHostOutsideSubnetHosts_IsAProblem(int slot, int offset, string expected)
    {
        var layout = Typical with { Vlans = [Typical.Vlans[1] with { HostOffset = offset }] };

        var network = NodeNetworkResolver.Resolve(Rack(layout), Node(slot: slot));

        Assert.Null(Assert.Single(network.Vlans).Address);
        Assert.Contains(expected, Assert.Single(network.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_DerivedAddressIsTheGateway_IsAProblem()
    {
        var network = NodeNetworkResolver.Resolve(Rack(Typical), Node(ip: "10.77.0.1"));

        Assert.Null(network.Vlans[0].Address);
        Assert.Contains(network.Problems, p => p.Contains("gives 10.120.0.1, the VLAN's gateway", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_NodeVariable_OverridesOneVlanAddress()
    {
        var node = Node(variables: new Dictionary<string, string>
        {
            [NodeNetworkResolver.VlanAddressVariablePrefix + "bond0.120"] = "10.120.0.200/24",
            [NodeNetworkResolver.VlanAddressVariablePrefix + "bond0.130"] = "dhcp",
        });

        var network = NodeNetworkResolver.Resolve(Rack(Typical), node);

        Assert.Empty(network.Problems);
        Assert.Equal(IPAddress.Parse("10.120.0.200"), network.Vlans[0].Address);
        Assert.True(network.Vlans[1].Dhcp);
        Assert.Null(network.Vlans[1].Address);
    }

    [Theory]
    [InlineData("10.121.0.5", "not a host address of 10.120.0.0/24")]
    [InlineData("10.120.0.5/16", "is not an IPv4 address")]
    [InlineData("10.120.5", "is not an IPv4 address")]
    public void Resolve_BadOverride_IsAProblemNamingTheVariable(string value, string expected)
    {
        var node = Node(variables: new Dictionary<string, string> { [NodeNetworkResolver.VlanAddressVariablePrefix + "bond0.120"] = value });

        var network = NodeNetworkResolver.Resolve(Rack(Typical), node);

        var problem = Assert.Single(network.Problems);
        Assert.Contains("variable network_vlan_address.bond0.120", problem, StringComparison.Ordinal);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_PxeInterfaceInABondButCarryingProvisioning_IsAProblem()
    {
        var layout = new BpodNetworkLayout
        {
            Bonds = [new BondDefinition { Name = "bond0", Members = BondMemberRule.ByIndex(0, 1) }],
            Vlans = [new VlanDefinition { Id = 5, Name = "pxe.5", Link = "pxe", Subnet = Ipv4Network.Parse("10.5.0.0/24"), Addressing = VlanAddressing.None }],
            ProvisioningLink = "pxe",
        };

        var network = NodeNetworkResolver.Resolve(Rack(layout), Node());

        Assert.Contains(network.Problems, p => p.Contains("carries the provisioning address but is a member of bond bond0", StringComparison.Ordinal));
        Assert.Contains(network.Problems, p => p.Contains("VLAN pxe.5: its link is the PXE interface eno1 (52:54:00:00:07:00), which is a member", StringComparison.Ordinal));
        Assert.Empty(network.Vlans);
    }
}
