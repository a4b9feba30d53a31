using System.Net;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Networking;

namespace Provisioner.Storage.Tests;

/// <summary>PXE enlistment over the real stores: BPOD selection and the never-twice guarantee under concurrency.</summary>
public abstract partial class StoreContractTests
{
    private EnlistmentService Enlistment() => new(Store.Zones, Store.Bpods, Store.Nodes, Time);

    [Fact]
    public async Task Enlist_UnknownMac_AddsNewNodeNamedByPatternWithHistory()
    {
        var (_, b) = await SeedBpodAsync();
        var mac = MacAddress.Parse("52:54:00:00:10:01");
        var r = await Enlistment().EnlistAsync(mac, b, new EnlistmentDetails { Architecture = "EFI x64" }, "dhcp", Ct);
        Assert.True(r.Created);
        Assert.Equal(("z1-r01-01", NodeState.New, 1), (r.Node.Hostname, r.Node.State, r.Node.Slot));
        Assert.Equal(mac, r.Node.PxeInterface!.Mac);
        var history = Assert.Single(await Store.Nodes.GetHistoryAsync(r.Node.Id, 10, Ct));
        Assert.Equal(("enlist", "dhcp"), (history.Kind, history.Actor));
        Assert.Contains("EFI x64", history.Message, StringComparison.Ordinal);
        var second = await Enlistment().EnlistAsync(MacAddress.Parse("52:54:00:00:10:02"), b, null, "dhcp", Ct);
        Assert.Equal("z1-r01-02", second.Node.Hostname);
    }

    [Fact]
    public async Task Enlist_SameMacFromManyConcurrentPackets_CreatesExactlyOneNode()
    {
        var (_, b) = await SeedBpodAsync();
        var mac = MacAddress.Parse("52:54:00:00:20:01");
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => Enlistment().EnlistAsync(mac, b, null, "dhcp", Ct))));
        Assert.Single(results, r => r.Created);
        Assert.Single(results.Select(r => r.Node.Id).Distinct());
        Assert.Equal(1, (await Store.Nodes.ListAsync(new Core.Persistence.NodeQuery(), Ct)).Total);
    }

    [Fact]
    public async Task Enlist_DifferentMacsConcurrently_GetDistinctSlotsAndNames()
    {
        var (_, b) = await SeedBpodAsync();
        var results = await Task.WhenAll(Enumerable.Range(1, 8).Select(i =>
            Task.Run(() => Enlistment().EnlistAsync(MacAddress.Parse($"52:54:00:00:30:{i:x2}"), b, null, "dhcp", Ct))));
        Assert.All(results, r => Assert.True(r.Created));
        Assert.Equal(8, results.Select(r => r.Node.Hostname).Distinct().Count());
        Assert.Equal(8, results.Select(r => r.Node.Slot).Distinct().Count());
    }

    [Fact]
    public async Task Enlist_BpodNotEnlisting_IsRefused()
    {
        var (_, b) = await SeedBpodAsync();
        var closed = b with { EnlistUnknown = false };
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Enlistment().EnlistAsync(MacAddress.Parse("52:54:00:00:40:01"), closed, null, "dhcp", Ct));
        Assert.Contains(b.Name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FindBpod_ByRelayAddressOrReceivingInterface()
    {
        var (z, b1) = await SeedBpodAsync();
        var b2 = TestData.Bpod(z.Id, "r02", "10.77.2.0/24") with { RelayAddresses = [], NetworkType = BpodNetworkType.L2, InterfaceName = "ens5" };
        await Store.Bpods.AddAsync(b2, Ct);
        var svc = Enlistment();
        Assert.Equal(b1.Id, (await svc.FindBpodAsync(IPAddress.Parse("10.77.1.1"), null, null, Ct))!.Id);
        Assert.Equal(b2.Id, (await svc.FindBpodAsync(IPAddress.Parse("10.77.2.254"), null, null, Ct))!.Id);
        Assert.Equal(b2.Id, (await svc.FindBpodAsync(IPAddress.Any, "ens5", null, Ct))!.Id);
        Assert.Equal(b1.Id, (await svc.FindBpodAsync(null, "eth9", IPAddress.Parse("10.77.1.2"), Ct))!.Id);
        Assert.Null(await svc.FindBpodAsync(IPAddress.Parse("192.0.2.1"), null, null, Ct));
    }
}
