using Provisioner.Core.Persistence;

namespace Provisioner.Storage.Tests;

/// <summary>The appliance registry half of the contract: one live holder per name, taken over only when the holder is gone.</summary>
public abstract partial class StoreContractTests
{
    private ApplianceInstance Instance(string name, int pid = 4242) => new()
    {
        Name = name, InstanceId = Guid.NewGuid(), Host = "host-a", BootId = "boot-1", Pid = pid, ProcessStarted = "1234", Url = "http://10.0.0.5:8080",
        Version = "1.0", StartedAt = Time.GetUtcNow(), LastSeenAt = Time.GetUtcNow(),
    };

    [Fact]
    public async Task ClaimName_FreeName_RecordsTheInstance()
    {
        var a = Instance("alpha");
        Assert.Null(await Store.Appliances.ClaimNameAsync(a, _ => throw new InvalidOperationException("no holder to judge"), Ct));
        var listed = Assert.Single(await Store.Appliances.ListAsync(Ct));
        Assert.Equal(a, listed);
    }

    [Fact]
    public async Task ClaimName_HeldByLiveInstance_ReturnsTheHolderAndChangesNothing()
    {
        var a = Instance("alpha");
        await Store.Appliances.ClaimNameAsync(a, _ => false, Ct);
        var b = Instance("alpha", pid: 777);
        ApplianceInstance? judged = null;
        var holder = await Store.Appliances.ClaimNameAsync(b, h =>
        {
            judged = h;
            return false;
        }, Ct);

        Assert.Equal(a, holder);
        Assert.Equal(a, judged);
        Assert.Equal(a.InstanceId, Assert.Single(await Store.Appliances.ListAsync(Ct)).InstanceId);
        Assert.True(await Store.Appliances.HeartbeatAsync("alpha", a.InstanceId, Time.GetUtcNow(), Ct));
        Assert.False(await Store.Appliances.HeartbeatAsync("alpha", b.InstanceId, Time.GetUtcNow(), Ct));
    }

    [Fact]
    public async Task ClaimName_HolderGone_TakesOverAndTheOldInstanceLosesItsHeartbeat()
    {
        var a = Instance("alpha");
        await Store.Appliances.ClaimNameAsync(a, _ => false, Ct);
        var b = Instance("alpha", pid: 777);
        Assert.Null(await Store.Appliances.ClaimNameAsync(b, _ => true, Ct));

        Assert.Equal(b, Assert.Single(await Store.Appliances.ListAsync(Ct)));
        Assert.False(await Store.Appliances.HeartbeatAsync("alpha", a.InstanceId, Time.GetUtcNow(), Ct));
        Time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(await Store.Appliances.HeartbeatAsync("alpha", b.InstanceId, Time.GetUtcNow(), Ct));
        Assert.Equal(Time.GetUtcNow(), Assert.Single(await Store.Appliances.ListAsync(Ct)).LastSeenAt);
    }

    [Fact]
    public async Task Release_ByTheHolder_FreesTheName_ByAnotherInstance_DoesNothing()
    {
        var a = Instance("alpha");
        var beta = Instance("beta");
        await Store.Appliances.ClaimNameAsync(a, _ => false, Ct);
        await Store.Appliances.ClaimNameAsync(beta, _ => false, Ct);

        await Store.Appliances.ReleaseAsync("alpha", Guid.NewGuid(), Ct);
        Assert.Equal(["alpha", "beta"], (await Store.Appliances.ListAsync(Ct)).Select(x => x.Name));
        await Store.Appliances.ReleaseAsync("alpha", a.InstanceId, Ct);
        Assert.Equal(["beta"], (await Store.Appliances.ListAsync(Ct)).Select(x => x.Name));
        Assert.Null(await Store.Appliances.ClaimNameAsync(Instance("alpha"), _ => throw new InvalidOperationException("no holder to judge"), Ct));
    }
}
