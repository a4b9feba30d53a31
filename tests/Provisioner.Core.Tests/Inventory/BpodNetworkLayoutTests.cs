using System.Net;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;

namespace Provisioner.Core.Tests.Inventory;

/// <summary>The checks of a BPOD's network layout: each problem names the BPOD, the bond or VLAN and the field.</summary>
[Trait("Area", "Core")]
public sealed class BpodNetworkLayoutTests
{
    private static Bpod Rack(BpodNetworkLayout layout, int mtu = 9000) => new()
    {
        Id = Guid.NewGuid(),
        ZoneId = Guid.NewGuid(),
        Name = "r07",
        ProvisioningSubnet = Ipv4Network.Parse("10.77.0.0/24"),
        DynamicRangeStart = IPAddress.Parse("10.77.0.100"),
        DynamicRangeEnd = IPAddress.Parse("10.77.0.200"),
        Mtu = mtu,
        Network = layout,
    };

    private static BondDefinition Bond0 => new() { Name = "bond0", Members = BondMemberRule.NonPxeInterfaces };

    private static VlanDefinition Vlan(int id, string subnet, string link = "bond0") =>
        new() { Id = id, Name = $"{link}.{id}", Link = link, Subnet = Ipv4Network.Parse(subnet) };

    private static NetworkLayoutProblem Single(BpodNetworkLayout layout, string field)
    {
        var problems = Rack(layout).ValidateNetwork();
        var problem = Assert.Single(problems);
        Assert.Equal(field, problem.Field);
        Assert.StartsWith("BPOD r07: ", problem.Message, StringComparison.Ordinal);
        return problem;
    }

    [Fact]
    public void Validate_TypicalLayout_HasNoProblems()
    {
        var layout = new BpodNetworkLayout
        {
            Bonds =
            [
                Bond0 with { Mtu = 9000, LacpRate = "slow", TransmitHashPolicy = "layer2+3" },
                new BondDefinition { Name = "bond1", Mode = BondModes.ActiveBackup, Members = BondMemberRule.ByName("pxe0") },
            ],
            Vlans =
            [
                Vlan(120, "10.120.0.0/24") with { Gateway = IPAddress.Parse("10.120.0.1"), Mtu = 9000 },
                Vlan(130, "10.130.0.0/24") with { Addressing = VlanAddressing.Slot, HostOffset = 100 },
                Vlan(140, "10.140.0.0/24", "pxe") with { Addressing = VlanAddressing.Dhcp },
            ],
            ProvisioningLink = "pxe",
            DefaultRouteVlan = "bond0.120",
        };

        Assert.Empty(Rack(layout).ValidateNetwork());
        Assert.Empty(Rack(BpodNetworkLayout.Empty).ValidateNetwork());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4095)]
    [InlineData(-1)]
    public void Validate_VlanIdOutOfRange_NamesTheField(int id)
    {
        var problem = Single(new BpodNetworkLayout { Bonds = [Bond0], Vlans = [Vlan(id, "10.120.0.0/24")] }, "network.vlans[0].id");
        Assert.Contains("outside 1..4094", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_VlanOnUnknownLink_IsRefused()
    {
        var problem = Single(new BpodNetworkLayout { Bonds = [Bond0], Vlans = [Vlan(120, "10.120.0.0/24", "bond9")] }, "network.vlans[0].link");
        Assert.Contains("bond9", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DuplicateNames_AcrossBondsAndVlans_AreRefused()
    {
        var layout = new BpodNetworkLayout { Bonds = [Bond0], Vlans = [Vlan(120, "10.120.0.0/24") with { Name = "bond0" }] };
        var problem = Single(layout, "network.vlans[0].name");
        Assert.Contains("used twice", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a-name-longer-than-15")]
    [InlineData("bond 0")]
    [InlineData("bond:0")]
    [InlineData("a/b")]
    [InlineData("pxe")]
    public void Validate_BadBondName_IsRefused(string name) =>
        Single(new BpodNetworkLayout { Bonds = [Bond0 with { Name = name }] }, "network.bonds[0].name");

    [Fact]
    public void Validate_UnknownMode_ListsTheKnownOnes()
    {
        var problem = Single(new BpodNetworkLayout { Bonds = [Bond0 with { Mode = "lacp" }] }, "network.bonds[0].mode");
        Assert.Contains("bond bond0: mode 'lacp'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("802.3ad, active-backup", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LacpRateOnActiveBackup_AndHashPolicyOnBalanceRr_AreRefused()
    {
        Single(new BpodNetworkLayout { Bonds = [Bond0 with { Mode = "active-backup", LacpRate = "fast" }] }, "network.bonds[0].lacpRate");
        Single(new BpodNetworkLayout { Bonds = [Bond0 with { Mode = "balance-rr", TransmitHashPolicy = "layer3+4" }] }, "network.bonds[0].transmitHashPolicy");
        Single(new BpodNetworkLayout { Bonds = [Bond0 with { TransmitHashPolicy = "layer4" }] }, "network.bonds[0].transmitHashPolicy");
    }

    [Fact]
    public void Validate_BondsSharingInterfaces_AreRefused()
    {
        var layout = new BpodNetworkLayout
        {
            Bonds = [Bond0 with { Members = BondMemberRule.ByIndex(1, 2) }, new BondDefinition { Name = "bond1", Members = BondMemberRule.ByIndex(2, 3) }],
        };
        var problem = Single(layout, "network.bonds[1].members");
        Assert.Contains("share interfaces with bond bond0", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_GatewayOutsideSubnetOrOnBroadcast_IsRefused()
    {
        var outside = Single(new BpodNetworkLayout { Bonds = [Bond0], Vlans = [Vlan(120, "10.120.0.0/24") with { Gateway = IPAddress.Parse("10.121.0.1") }] },
            "network.vlans[0].gateway");
        Assert.Contains("VLAN bond0.120: gateway 10.121.0.1 is outside its subnet 10.120.0.0/24", outside.Message, StringComparison.Ordinal);
        Single(new BpodNetworkLayout { Bonds = [Bond0], Vlans = [Vlan(120, "10.120.0.0/24") with { Gateway = IPAddress.Parse("10.120.0.255") }] },
            "network.vlans[0].gateway");
    }

    [Fact]
    public void Validate_SubnetOverlappingProvisioningOrAnotherVlan_IsRefused()
    {
        Single(new BpodNetworkLayout { Bonds = [Bond0], Vlans = [Vlan(120, "10.77.0.0/16")] }, "network.vlans[0].subnet");
        var problem = Single(new BpodNetworkLayout { Bonds = [Bond0], Vlans = [Vlan(120, "10.120.0.0/24"), Vlan(130, "10.120.0.128/25")] },
            "network.vlans[1].subnet");
        Assert.Contains("overlaps 10.120.0.0/24 of VLAN bond0.120", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_VlanMtuAboveItsParent_IsRefused()
    {
        var layout = new BpodNetworkLayout { Bonds = [Bond0 with { Mtu = 1500 }], Vlans = [Vlan(120, "10.120.0.0/24") with { Mtu = 9000 }] };
        var problem = Single(layout, "network.vlans[0].mtu");
        Assert.Contains("larger than its link bond0's MTU 1500", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DerivedAddressingOnTinySubnet_OrOffsetTooLarge_IsRefused()
    {
        Single(new BpodNetworkLayout { Bonds = [Bond0], Vlans = [Vlan(120, "10.120.0.0/31")] }, "network.vlans[0].subnet");
        Single(new BpodNetworkLayout { Bonds = [Bond0], Vlans = [Vlan(120, "10.120.0.0/24") with { HostOffset = 256 }] }, "network.vlans[0].hostOffset");
        Single(new BpodNetworkLayout { Bonds = [Bond0], Vlans = [Vlan(120, "10.120.0.0/24") with { Addressing = VlanAddressing.Dhcp, HostOffset = 5 }] },
            "network.vlans[0].hostOffset");
    }

    [Fact]
    public void Validate_ProvisioningLinkAndDefaultRoute_MustNameSomethingUsable()
    {
        Single(new BpodNetworkLayout { Bonds = [Bond0], ProvisioningLink = "bond1" }, "network.provisioningLink");
        var all = Single(new BpodNetworkLayout { Bonds = [Bond0 with { Members = BondMemberRule.AllInterfaces }], ProvisioningLink = "pxe" },
            "network.provisioningLink");
        Assert.Contains("takes all interfaces", all.Message, StringComparison.Ordinal);
        Single(new BpodNetworkLayout { Bonds = [Bond0], Vlans = [Vlan(120, "10.120.0.0/24")], DefaultRouteVlan = "bond0.999" }, "network.defaultRouteVlan");
        var noGateway = Single(new BpodNetworkLayout { Bonds = [Bond0], Vlans = [Vlan(120, "10.120.0.0/24")], DefaultRouteVlan = "bond0.120" },
            "network.defaultRouteVlan");
        Assert.Contains("no gateway", noGateway.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EffectiveProvisioningLink_DefaultsToFirstBondElsePxe()
    {
        Assert.Equal("bond0", new BpodNetworkLayout { Bonds = [Bond0, Bond0 with { Name = "bond1" }] }.EffectiveProvisioningLink());
        Assert.Equal("pxe", new BpodNetworkLayout { Vlans = [Vlan(120, "10.120.0.0/24", "pxe")] }.EffectiveProvisioningLink());
        Assert.Equal("bond1", new BpodNetworkLayout { Bonds = [Bond0], ProvisioningLink = "bond1" }.EffectiveProvisioningLink());
    }

    [Theory]
    [InlineData("all", BondMemberSelection.All, "all")]
    [InlineData(" non-pxe ", BondMemberSelection.NonPxe, "non-pxe")]
    [InlineData("names: eno2 ,eno3", BondMemberSelection.Names, "names:eno2,eno3")]
    [InlineData("indices:1,2", BondMemberSelection.Indices, "indices:1,2")]
    public void BondMemberRule_ParsesAndPrints(string text, BondMemberSelection selection, string printed)
    {
        Assert.True(BondMemberRule.TryParse(text, out var rule, out var problem), problem);
        Assert.Equal(selection, rule.Selection);
        Assert.Equal(printed, rule.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("every")]
    [InlineData("names:")]
    [InlineData("indices:1,x")]
    [InlineData("indices:-1")]
    public void BondMemberRule_Garbage_SaysWhatIsExpected(string text)
    {
        Assert.False(BondMemberRule.TryParse(text, out _, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }
}
