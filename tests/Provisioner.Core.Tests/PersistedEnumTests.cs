using Provisioner.Core.Boot;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Persistence;
using Provisioner.Core.Power;

namespace Provisioner.Core.Tests;

/// <summary>
/// Enum values stored in databases are frozen: renumbering one silently changes the meaning of every stored row.
/// Adding a member is fine (add it here too); changing a number is not.
/// </summary>
[Trait("Area", "Core")]
public sealed class PersistedEnumTests
{
    private static void AssertFrozen<T>(params (T Value, int Number)[] expected)
        where T : struct, Enum
    {
        Assert.Equal(expected.Length, Enum.GetValues<T>().Length);
        foreach (var (value, number) in expected)
        {
            Assert.Equal(number, Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void NodeState_NumbersAreFrozen() => AssertFrozen(
        (NodeState.New, 1), (NodeState.Commissioning, 2), (NodeState.Ready, 3), (NodeState.Deploying, 4), (NodeState.Deployed, 5),
        (NodeState.Releasing, 6), (NodeState.FailedCommissioning, 7), (NodeState.FailedDeployment, 8), (NodeState.FailedReleasing, 9),
        (NodeState.Rescue, 10), (NodeState.Broken, 11));

    [Fact]
    public void NodeAction_NumbersAreFrozen() => AssertFrozen(
        (NodeAction.Commission, 1), (NodeAction.CommissioningSucceeded, 2), (NodeAction.CommissioningFailed, 3), (NodeAction.Deploy, 4),
        (NodeAction.DeploySucceeded, 5), (NodeAction.DeployFailed, 6), (NodeAction.Release, 7), (NodeAction.ReleaseSucceeded, 8),
        (NodeAction.ReleaseFailed, 9), (NodeAction.Abort, 10), (NodeAction.Rescue, 11), (NodeAction.ExitRescue, 12), (NodeAction.MarkBroken, 13),
        (NodeAction.MarkFixed, 14));

    [Fact]
    public void OtherStoredEnums_NumbersAreFrozen()
    {
        AssertFrozen((NodePowerState.Unknown, 0), (NodePowerState.On, 1), (NodePowerState.Off, 2), (NodePowerState.Error, 3));
        AssertFrozen((ImageFormat.Raw, 1), (ImageFormat.RawGzip, 2), (ImageFormat.RawZstd, 3), (ImageFormat.RawXz, 4), (ImageFormat.Chunked, 5));
        AssertFrozen((UserRole.Viewer, 1), (UserRole.Operator, 2), (UserRole.Admin, 3));
        AssertFrozen((BpodNetworkType.L2, 1), (BpodNetworkType.L3, 2));
        AssertFrozen((BondMemberSelection.All, 1), (BondMemberSelection.NonPxe, 2), (BondMemberSelection.Names, 3), (BondMemberSelection.Indices, 4));
        AssertFrozen((VlanAddressing.None, 1), (VlanAddressing.Dhcp, 2), (VlanAddressing.ProvisioningHost, 3), (VlanAddressing.Slot, 4));
        AssertFrozen((InstallMethod.Image, 1), (InstallMethod.Kickstart, 2), (InstallMethod.Preseed, 3), (InstallMethod.Autoinstall, 4));
        AssertFrozen((BootEventSource.Dhcp, 1), (BootEventSource.Tftp, 2), (BootEventSource.Http, 3), (BootEventSource.Agent, 4),
            (BootEventSource.Power, 5), (BootEventSource.Job, 6), (BootEventSource.Os, 7));
        AssertFrozen((OperatorRequestStatus.Pending, 1), (OperatorRequestStatus.Done, 2), (OperatorRequestStatus.Dismissed, 3));
    }

    [Fact]
    public void PowerEnumsStoredWithOperatorRequests_NumbersAreFrozen()
    {
        AssertFrozen((PowerAction.On, 1), (PowerAction.Off, 2), (PowerAction.SoftOff, 3), (PowerAction.Cycle, 4), (PowerAction.Reset, 5));
        AssertFrozen((BootDevice.None, 0), (BootDevice.Pxe, 1), (BootDevice.Disk, 2), (BootDevice.BiosSetup, 3), (BootDevice.Cdrom, 4));
        AssertFrozen((BootMode.Unspecified, 0), (BootMode.Legacy, 1), (BootMode.Uefi, 2));
    }
}
