using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;
using Provisioner.Core.Power;

namespace Provisioner.Storage.Tests;

/// <summary>The operator requests of the manual power driver: pending, superseded by a newer one of the same kind, resolved once.</summary>
public abstract partial class StoreContractTests
{
    private async Task<Node> SeedNodeAsync(string hostname, string mac)
    {
        var bpod = (await Store.Bpods.ListAsync(null, Ct)).FirstOrDefault() ?? (await SeedBpodAsync()).Bpod;
        return await Store.Nodes.AddAsync(TestData.Node(bpod.Id, hostname, mac), Ct);
    }

    private OperatorRequestRecord Request(Guid nodeId, PowerAction? action = PowerAction.On, BootDeviceSetting? boot = null, Guid? jobId = null) => new()
    {
        Id = Guid.NewGuid(),
        NodeId = nodeId,
        What = action is { } a ? $"power {a}" : $"set the next boot device to {boot}",
        Instructions = "rack 4, U12, the left button",
        Action = action,
        BootDevice = boot,
        CreatedAt = Time.GetUtcNow(),
        JobId = jobId,
    };

    [Fact]
    public async Task OperatorRequests_AddGetList_RoundTripEveryField()
    {
        var node = await SeedNodeAsync("manual-01", "52:54:00:0a:00:01");
        var power = Request(node.Id, jobId: Guid.NewGuid());
        Time.Advance(TimeSpan.FromSeconds(1));
        var boot = Request(node.Id, null, new BootDeviceSetting(BootDevice.Pxe, Persistent: true, BootMode.Uefi)) with { Instructions = null };

        Assert.Equal(0, await Store.OperatorRequests.AddAsync(power, Ct));
        Assert.Equal(0, await Store.OperatorRequests.AddAsync(boot, Ct));

        Assert.Equal(power, await Store.OperatorRequests.GetAsync(power.Id, Ct));
        Assert.Equal(boot, await Store.OperatorRequests.GetAsync(boot.Id, Ct));
        Assert.Null(await Store.OperatorRequests.GetAsync(Guid.NewGuid(), Ct));
        var all = await Store.OperatorRequests.ListAsync(new OperatorRequestQuery { NodeId = node.Id }, Ct);
        Assert.Equal(2, all.Total);
        Assert.Equal([boot.Id, power.Id], all.Items.Select(r => r.Id));
        Assert.Equal([power.Id], (await Store.OperatorRequests.ListAsync(new OperatorRequestQuery { JobId = power.JobId }, Ct)).Items.Select(r => r.Id));
        Assert.Empty((await Store.OperatorRequests.ListAsync(new OperatorRequestQuery { NodeId = Guid.NewGuid() }, Ct)).Items);
    }

    [Fact]
    public async Task OperatorRequests_NewerRequestOfTheSameKind_SupersedesTheNodesPendingOnes()
    {
        var node = await SeedNodeAsync("manual-02", "52:54:00:0a:00:02");
        var other = await SeedNodeAsync("manual-03", "52:54:00:0a:00:03");
        var on = Request(node.Id);
        var otherNode = Request(other.Id);
        var pxeOnce = Request(node.Id, null, new BootDeviceSetting(BootDevice.Pxe));
        var check = Request(node.Id, null) with { What = "check the cabling" };
        var reseat = Request(node.Id, null) with { What = "reseat the disk" };
        foreach (var r in new[] { on, otherNode, pxeOnce, check, reseat })
        {
            Assert.Equal(0, await Store.OperatorRequests.AddAsync(r, Ct));
        }

        Time.Advance(TimeSpan.FromMinutes(2));
        var off = Request(node.Id, PowerAction.Off);
        var diskPersistent = Request(node.Id, null, new BootDeviceSetting(BootDevice.Disk, Persistent: true));
        var checkAgain = Request(node.Id, null) with { What = "check the cabling" };

        // The latest power action replaces the pending one (a "power on" is moot once "power off" is asked) ...
        Assert.Equal(1, await Store.OperatorRequests.AddAsync(off, Ct));
        // ... the latest boot device setting the pending one, and other requests only an identical one.
        Assert.Equal(1, await Store.OperatorRequests.AddAsync(diskPersistent, Ct));
        Assert.Equal(1, await Store.OperatorRequests.AddAsync(checkAgain, Ct));

        foreach (var (old, by) in new[] { (on, off), (pxeOnce, diskPersistent), (check, checkAgain) })
        {
            var superseded = await Store.OperatorRequests.GetAsync(old.Id, Ct);
            Assert.Equal((OperatorRequestStatus.Dismissed, $"superseded by {by.Id}", by.CreatedAt), (superseded!.Status, superseded.ResolvedBy, superseded.ResolvedAt));
        }

        var pending = await Store.OperatorRequests.ListAsync(new OperatorRequestQuery { Status = OperatorRequestStatus.Pending }, Ct);
        Assert.Equal(new[] { off.Id, diskPersistent.Id, checkAgain.Id, reseat.Id, otherNode.Id }.Order(), pending.Items.Select(r => r.Id).Order());
    }

    [Fact]
    public async Task OperatorRequests_Resolve_OnlyAPendingRequest_AndOnlyOnce()
    {
        var node = await SeedNodeAsync("manual-04", "52:54:00:0a:00:04");
        var request = Request(node.Id);
        await Store.OperatorRequests.AddAsync(request, Ct);
        Time.Advance(TimeSpan.FromMinutes(5));

        var done = await Store.OperatorRequests.ResolveAsync(request.Id, OperatorRequestStatus.Done, "oscar", Time.GetUtcNow(), Ct);

        Assert.Equal(request with { Status = OperatorRequestStatus.Done, ResolvedBy = "oscar", ResolvedAt = Time.GetUtcNow() }, done);
        Assert.Null(await Store.OperatorRequests.ResolveAsync(request.Id, OperatorRequestStatus.Dismissed, "olga", Time.GetUtcNow(), Ct));
        Assert.Null(await Store.OperatorRequests.ResolveAsync(Guid.NewGuid(), OperatorRequestStatus.Done, "oscar", Time.GetUtcNow(), Ct));
        Assert.Equal(done, await Store.OperatorRequests.GetAsync(request.Id, Ct));
        Assert.Equal([request.Id], (await Store.OperatorRequests.ListAsync(new OperatorRequestQuery { ResolvedOnly = true }, Ct)).Items.Select(r => r.Id));
        Assert.Empty((await Store.OperatorRequests.ListAsync(new OperatorRequestQuery { Status = OperatorRequestStatus.Pending }, Ct)).Items);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            Store.OperatorRequests.ResolveAsync(request.Id, OperatorRequestStatus.Pending, "oscar", Time.GetUtcNow(), Ct));
    }

    [Fact]
    public async Task OperatorRequests_LastDonePowerAction_IsTheLatestConfirmedPowerActionOfTheNode()
    {
        var node = await SeedNodeAsync("manual-05", "52:54:00:0a:00:05");
        Assert.Null(await Store.OperatorRequests.LastDonePowerActionAsync(node.Id, Ct));
        var on = Request(node.Id);
        var off = Request(node.Id, PowerAction.Off);
        var boot = Request(node.Id, null, new BootDeviceSetting(BootDevice.Disk));
        var cycle = Request(node.Id, PowerAction.Cycle);

        // Each asked and resolved in turn: off is confirmed after on; the boot device change and the dismissed
        // cycle are no power reading.
        foreach (var (r, status) in new[] { (on, OperatorRequestStatus.Done), (off, OperatorRequestStatus.Done), (boot, OperatorRequestStatus.Done),
                     (cycle, OperatorRequestStatus.Dismissed) })
        {
            Time.Advance(TimeSpan.FromSeconds(10));
            Assert.Equal(0, await Store.OperatorRequests.AddAsync(r with { CreatedAt = Time.GetUtcNow() }, Ct));
            Time.Advance(TimeSpan.FromSeconds(10));
            await Store.OperatorRequests.ResolveAsync(r.Id, status, "oscar", Time.GetUtcNow(), Ct);
        }

        Assert.Equal(off.Id, (await Store.OperatorRequests.LastDonePowerActionAsync(node.Id, Ct))?.Id);
        // The history lists the most recently resolved first.
        var history = await Store.OperatorRequests.ListAsync(new OperatorRequestQuery { NodeId = node.Id, ResolvedOnly = true }, Ct);
        Assert.Equal([cycle.Id, boot.Id, off.Id, on.Id], history.Items.Select(r => r.Id));
    }

    [Fact]
    public async Task OperatorRequests_NodeDeleted_ItsRequestsGoWithIt()
    {
        var node = await SeedNodeAsync("manual-06", "52:54:00:0a:00:06");
        var request = Request(node.Id);
        await Store.OperatorRequests.AddAsync(request, Ct);

        await Store.Nodes.DeleteAsync(node.Id, Ct);

        Assert.Null(await Store.OperatorRequests.GetAsync(request.Id, Ct));
        Assert.Equal(0, (await Store.OperatorRequests.ListAsync(new OperatorRequestQuery(), Ct)).Total);
    }
}
