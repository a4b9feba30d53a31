using System.Net;
using System.Text.Json.Nodes;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;

namespace Provisioner.Storage.Tests;

/// <summary>The BPOD network layout (bonds, VLANs) stored with its BPOD, on both providers.</summary>
public abstract partial class StoreContractTests
{
    private static BpodNetworkLayout TwoBondLayout() => new()
    {
        Bonds =
        [
            new BondDefinition
            {
                Name = "bond0", Mode = BondModes.Lacp, Members = BondMemberRule.NonPxeInterfaces, Mtu = 9000, LacpRate = "slow", TransmitHashPolicy = "layer2+3",
            },
            new BondDefinition { Name = "bond1", Mode = BondModes.ActiveBackup, Members = BondMemberRule.ByName("eno3", "eno4") },
        ],
        Vlans =
        [
            new VlanDefinition
            {
                Id = 120, Name = "bond0.120", Link = "bond0", Subnet = Ipv4Network.Parse("10.120.0.0/24"), Gateway = IPAddress.Parse("10.120.0.1"),
                Mtu = 9000, DnsServers = [IPAddress.Parse("10.120.0.53")], Addressing = VlanAddressing.ProvisioningHost,
            },
            new VlanDefinition
            {
                Id = 130, Name = "bond1.130", Link = "bond1", Subnet = Ipv4Network.Parse("10.130.0.0/23"), Addressing = VlanAddressing.Slot, HostOffset = 100,
            },
            new VlanDefinition { Id = 140, Name = "pxe.140", Link = "pxe", Subnet = Ipv4Network.Parse("10.140.0.0/24"), Addressing = VlanAddressing.Dhcp },
        ],
        ProvisioningLink = "pxe",
        DefaultRouteVlan = "bond0.120",
    };

    [Fact]
    public async Task Bpods_NetworkLayout_RoundTripsOnAddAndUpdate()
    {
        var z = TestData.Zone();
        await Store.Zones.AddAsync(z, Ct);
        var b = TestData.Bpod(z.Id) with { Network = TwoBondLayout() };
        Assert.Empty(b.ValidateNetwork());

        await Store.Bpods.AddAsync(b, Ct);
        var read = await Store.Bpods.GetAsync(b.Id, Ct);

        Assert.Equal(Json(b), Json(read));
        Assert.Equal(["bond0", "bond1"], read!.Network.Bonds.Select(x => x.Name));
        Assert.Equal("names:eno3,eno4", read.Network.Bonds[1].Members.ToString());
        Assert.Equal(Ipv4Network.Parse("10.130.0.0/23"), read.Network.Vlans[1].Subnet);
        Assert.Equal(VlanAddressing.Slot, read.Network.Vlans[1].Addressing);
        Assert.Equal(100, read.Network.Vlans[1].HostOffset);
        Assert.Equal(IPAddress.Parse("10.120.0.53"), Assert.Single(read.Network.Vlans[0].DnsServers));
        Assert.Equal(("pxe", "bond0.120"), (read.Network.ProvisioningLink, read.Network.DefaultRouteVlan));

        var changed = read with { Network = read.Network with { Vlans = [read.Network.Vlans[0]], DefaultRouteVlan = null } };
        await Store.Bpods.UpdateAsync(changed, Ct);
        Assert.Equal(Json(changed), Json(await Store.Bpods.GetAsync(b.Id, Ct)));
        Assert.Equal(Json(changed), Json(Assert.Single(await Store.Bpods.ListAsync(z.Id, Ct))));
    }

    [Fact]
    public async Task Bpods_StoredEnumNames_AreTheOnesReadBack()
    {
        // The layout's enums are stored by name: renaming a member would orphan every stored layout.
        var z = TestData.Zone();
        await Store.Zones.AddAsync(z, Ct);
        await Store.Bpods.AddAsync(TestData.Bpod(z.Id) with { Network = TwoBondLayout() }, Ct);

        var network = JsonNode.Parse(Assert.Single(await RawStringsAsync("SELECT data FROM bpods"))!)!["network"]!;

        Assert.Equal("NonPxe", network["bonds"]![0]!["members"]!["selection"]!.GetValue<string>());
        Assert.Equal("Names", network["bonds"]![1]!["members"]!["selection"]!.GetValue<string>());
        Assert.Equal(["ProvisioningHost", "Slot", "Dhcp"], network["vlans"]!.AsArray().Select(v => v!["addressing"]!.GetValue<string>()));
        Assert.Equal("10.120.0.0/24", network["vlans"]![0]!["subnet"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bpods_DocumentWrittenBeforeTheLayout_ReadsWithAnEmptyLayout()
    {
        var (_, b) = await SeedBpodAsync();
        var old = JsonNode.Parse(Json(b))!.AsObject();
        Assert.True(old.Remove("network"));
        await Store.Database.ExecuteAsync("UPDATE bpods SET data = @data WHERE name = @name", new { data = old.ToJsonString(), name = b.Name }, Ct);

        var read = await Store.Bpods.GetAsync(b.Id, Ct);

        Assert.NotNull(read);
        Assert.False(read.Network.HasLinks());
        Assert.Null(read.Network.ProvisioningLink);
        Assert.Equal(Json(b), Json(read));
    }
}
