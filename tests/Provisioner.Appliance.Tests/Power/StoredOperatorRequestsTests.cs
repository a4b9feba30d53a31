using Microsoft.Extensions.Logging.Abstractions;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Services;
using Provisioner.Appliance.Workflows;
using Provisioner.Boot.Inventory;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;
using Provisioner.Core.Persistence;
using Provisioner.Core.Power;
using Provisioner.Power.Manual;
using Provisioner.TestKit;
using Provisioner.TestKit.InMemory;

namespace Provisioner.Appliance.Tests.Power;

/// <summary>
/// The appliance's sink of the manual power driver, driven through the real driver: requests are stored per node,
/// identical ones supersede, and an operator's "done" becomes the node's power state, its history and the driver's reading.
/// </summary>
[Trait("Area", "Power")]
public sealed class StoredOperatorRequestsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly ManualTimeProvider _time = new(T0);
    private readonly InMemoryStore _store;
    private readonly StoredOperatorRequests _sink;
    private readonly ManualPowerDriver _driver;

    public StoredOperatorRequestsTests()
    {
        _store = new InMemoryStore(_time);
        var cache = new InventorySnapshotCache(_store.Zones, _store.Bpods, _store.Nodes, NullLogger<InventorySnapshotCache>.Instance);
        var changer = new NodeStateChanger(_store.Nodes, cache, new NodeEventHub(), _time);
        var history = new NodePowerHistory(cache, changer, _store.Nodes, _time);
        _sink = new StoredOperatorRequests(_store.OperatorRequests, _store.Nodes, history, _time, NullLogger<StoredOperatorRequests>.Instance);
        _driver = new ManualPowerDriver(_sink, _time);
    }

    private static CancellationToken Ct => CancellationToken.None;

    private async Task<(Node Node, PowerTarget Target)> ManualNodeAsync(string hostname = "manual-01", NodePowerState power = NodePowerState.Unknown)
    {
        var node = await _store.Nodes.AddAsync(new Node
        {
            Id = Guid.NewGuid(),
            Hostname = hostname,
            BpodId = Guid.NewGuid(),
            PowerState = power,
            Interfaces = [new NodeInterface(MacAddress.Parse("52:54:00:0b:00:01"), "eno1", true)],
            Bmc = new BmcSettings { Driver = "manual", Options = new Dictionary<string, string> { ["instructions"] = "rack 7, U3, button on the left" } },
        }, Ct);
        return (node, NodePower.TargetOf(node, node.Bmc!));
    }

    private async Task<OperatorRequestRecord> OnlyPendingAsync(Guid nodeId) =>
        Assert.Single((await _store.OperatorRequests.ListAsync(new OperatorRequestQuery { NodeId = nodeId, Status = OperatorRequestStatus.Pending }, Ct)).Items);

    [Fact]
    public async Task Submit_PowerOn_StoresAPendingRequestOfTheNodeWithItsInstructionsAndJob()
    {
        var (node, target) = await ManualNodeAsync();
        var jobId = Guid.NewGuid();

        await _driver.ApplyAsync(target with { JobId = jobId }, PowerAction.On, Ct);

        var request = await OnlyPendingAsync(node.Id);
        Assert.Equal("power on", request.What);
        Assert.Equal("rack 7, U3, button on the left", request.Instructions);
        Assert.Equal(PowerAction.On, request.Action);
        Assert.Null(request.BootDevice);
        Assert.Equal(jobId, request.JobId);
        Assert.Equal(T0, request.CreatedAt);
        Assert.Equal(PowerState.Unknown, await _driver.QueryAsync(target, Ct));
    }

    [Fact]
    public async Task Submit_SameRequestTwice_TheNewerSupersedesTheOlder()
    {
        var (node, target) = await ManualNodeAsync();
        await _driver.ApplyAsync(target, PowerAction.On, Ct);
        var first = await OnlyPendingAsync(node.Id);
        _time.Advance(TimeSpan.FromMinutes(3));

        await _driver.ApplyAsync(target, PowerAction.On, Ct);
        await _driver.SetBootDeviceAsync(target, new BootDeviceSetting(BootDevice.Pxe), Ct);

        var pending = (await _store.OperatorRequests.ListAsync(new OperatorRequestQuery { NodeId = node.Id, Status = OperatorRequestStatus.Pending }, Ct)).Items;
        Assert.Equal(["power on", "set the next boot device to Pxe (once)"], pending.Select(r => r.What).Order(StringComparer.Ordinal));
        var second = pending.Single(r => r.Action == PowerAction.On);
        var old = await _store.OperatorRequests.GetAsync(first.Id, Ct);
        Assert.Equal(OperatorRequestStatus.Dismissed, old!.Status);
        Assert.Equal($"superseded by {second.Id}", old.ResolvedBy);
    }

    [Fact]
    public async Task Submit_NoNodeByThatName_IsAMisconfigurationNotARetry()
    {
        var target = new PowerTarget { Driver = "manual", NodeName = "nobody-here" };

        var e = await Assert.ThrowsAsync<PowerException>(() => _driver.ApplyAsync(target, PowerAction.On, Ct).AsTask());

        Assert.Equal(PowerErrorKind.Misconfigured, e.Kind);
        Assert.False(e.IsTransient);
        Assert.Contains("nobody-here", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirm_PowerOnThenOff_SetsTheNodesPowerStateHistoryAndTheDriversReading()
    {
        var (node, target) = await ManualNodeAsync(power: NodePowerState.Off);
        await _driver.ApplyAsync(target, PowerAction.On, Ct);
        var on = await OnlyPendingAsync(node.Id);
        _time.Advance(TimeSpan.FromMinutes(1));

        var done = await _sink.ConfirmAsync(on.Id, "oscar", Ct);

        Assert.Equal(OperatorRequestStatus.Done, done.Status);
        Assert.Equal("oscar", done.ResolvedBy);
        Assert.Equal(T0.AddMinutes(1), done.ResolvedAt);
        Assert.Equal(NodePowerState.On, (await _store.Nodes.GetAsync(node.Id, Ct))!.PowerState);
        Assert.Equal(PowerState.On, await _driver.QueryAsync(target, Ct));
        var entry = Assert.Single(await _store.Nodes.GetHistoryAsync(node.Id, 10, Ct));
        Assert.Equal(("power", "oscar"), (entry.Kind, entry.Actor));
        Assert.Equal($"power on: done by oscar (operator request {on.Id.ToString("N")[..8]}); power off -> on", entry.Message);

        await _driver.ApplyAsync(target, PowerAction.SoftOff, Ct);
        await _sink.ConfirmAsync((await OnlyPendingAsync(node.Id)).Id, "olga", Ct);

        Assert.Equal(NodePowerState.Off, (await _store.Nodes.GetAsync(node.Id, Ct))!.PowerState);
        Assert.Equal(PowerState.Off, await _driver.QueryAsync(target, Ct));
    }

    [Fact]
    public async Task Confirm_CycleOfANodeAlreadyOn_StaysOnAndIsStillRecorded()
    {
        var (node, target) = await ManualNodeAsync(power: NodePowerState.On);
        await _driver.ApplyAsync(target, PowerAction.Cycle, Ct);

        await _sink.ConfirmAsync((await OnlyPendingAsync(node.Id)).Id, "oscar", Ct);

        Assert.Equal(NodePowerState.On, (await _store.Nodes.GetAsync(node.Id, Ct))!.PowerState);
        Assert.EndsWith("power on -> on", Assert.Single(await _store.Nodes.GetHistoryAsync(node.Id, 10, Ct)).Message, StringComparison.Ordinal);
        Assert.Equal(PowerState.On, await _driver.QueryAsync(target, Ct));
    }

    [Fact]
    public async Task Confirm_BootDeviceRequest_LeavesThePowerStateAlone()
    {
        var (node, target) = await ManualNodeAsync(power: NodePowerState.Off);
        await _driver.SetBootDeviceAsync(target, new BootDeviceSetting(BootDevice.Disk, Persistent: true), Ct);

        var done = await _sink.ConfirmAsync((await OnlyPendingAsync(node.Id)).Id, "oscar", Ct);

        Assert.Equal(new BootDeviceSetting(BootDevice.Disk, Persistent: true), done.BootDevice);
        Assert.Equal(NodePowerState.Off, (await _store.Nodes.GetAsync(node.Id, Ct))!.PowerState);
        Assert.Equal(PowerState.Unknown, await _driver.QueryAsync(target, Ct));
        Assert.Contains("done by oscar", Assert.Single(await _store.Nodes.GetHistoryAsync(node.Id, 10, Ct)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dismiss_LeavesThePowerStateAndTheReadingAsTheyWere()
    {
        var (node, target) = await ManualNodeAsync(power: NodePowerState.Off);
        await _driver.ApplyAsync(target, PowerAction.On, Ct);

        var dismissed = await _sink.DismissAsync((await OnlyPendingAsync(node.Id)).Id, "oscar", Ct);

        Assert.Equal(OperatorRequestStatus.Dismissed, dismissed.Status);
        Assert.Equal(NodePowerState.Off, (await _store.Nodes.GetAsync(node.Id, Ct))!.PowerState);
        Assert.Equal(PowerState.Unknown, await _driver.QueryAsync(target, Ct));
        Assert.Contains("dismissed by oscar", Assert.Single(await _store.Nodes.GetHistoryAsync(node.Id, 10, Ct)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirm_AlreadyResolvedOrUnknown_SaysWhyAndChangesNothing()
    {
        var (node, target) = await ManualNodeAsync("manual-02", NodePowerState.Off);
        await _driver.ApplyAsync(target, PowerAction.On, Ct);
        var request = await OnlyPendingAsync(node.Id);
        await _sink.DismissAsync(request.Id, "olga", Ct);

        var conflict = await Assert.ThrowsAsync<InvalidOperationException>(() => _sink.ConfirmAsync(request.Id, "oscar", Ct));
        var missing = await Assert.ThrowsAsync<KeyNotFoundException>(() => _sink.ConfirmAsync(Guid.NewGuid(), "oscar", Ct));

        Assert.Contains("is already dismissed (by olga at 2026-12-01 09:00:00 UTC): power on on manual-02; nothing changed.", conflict.Message, StringComparison.Ordinal);
        Assert.Contains("No operator request", missing.Message, StringComparison.Ordinal);
        Assert.Equal(NodePowerState.Off, (await _store.Nodes.GetAsync(node.Id, Ct))!.PowerState);
        Assert.Equal(OperatorRequestStatus.Dismissed, (await _store.OperatorRequests.GetAsync(request.Id, Ct))!.Status);
    }
}
