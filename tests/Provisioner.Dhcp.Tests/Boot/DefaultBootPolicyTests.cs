using System.Net;
using System.Net.NetworkInformation;
using Provisioner.Dhcp.Boot;
using Provisioner.TestKit;

namespace Provisioner.Dhcp.Tests.Boot;

[Trait("Area", "Dhcp")]
public sealed class DefaultBootPolicyTests
{
    private static PxeClientInfo Client(uint xid, bool ipxe = true, ClientArchitecture arch = ClientArchitecture.X86Bios) => new()
    {
        Mac = PhysicalAddress.Parse("52-54-00-12-34-56"),
        TransactionId = xid,
        Architecture = arch,
        IsPxeClient = true,
        IsIpxe = ipxe,
        ServerAddress = IPAddress.Parse("198.18.1.1"),
    };

    [Fact]
    public async Task Decide_ChainloadOn_RomGetsBinaryThenChainedCopyGetsScript()
    {
        var time = new ManualTimeProvider();
        var policy = new DefaultBootPolicy(new DefaultBootPolicyOptions { ChainloadRomIpxe = true }, time);

        var offer = await policy.DecideAsync(Client(1), default);
        var ack = await policy.DecideAsync(Client(1), default);
        time.Advance(TimeSpan.FromSeconds(5));
        var chained = await policy.DecideAsync(Client(2), default);

        // Same exchange, same answer; the chain-loaded iPXE (new xid, same MAC and options) gets the script: no loop.
        Assert.Equal("undionly.kpxe", offer.BootFile);
        Assert.Equal("undionly.kpxe", ack.BootFile);
        Assert.Equal("http://198.18.1.1:8080/boot/52-54-00-12-34-56.ipxe", chained.BootFile);
    }

    [Fact]
    public async Task Decide_ChainloadOn_AfterWindowTheRomGetsTheBinaryAgain()
    {
        var time = new ManualTimeProvider();
        var policy = new DefaultBootPolicy(new DefaultBootPolicyOptions { ChainloadRomIpxe = true }, time);
        await policy.DecideAsync(Client(1, arch: ClientArchitecture.EfiX64), default);

        time.Advance(TimeSpan.FromMinutes(3));
        var nextBoot = await policy.DecideAsync(Client(9, arch: ClientArchitecture.EfiX64), default);

        Assert.Equal("snponly.efi", nextBoot.BootFile);
    }

    [Fact]
    public async Task Decide_ChainloadOff_IpxeAlwaysGetsScript()
    {
        var policy = new DefaultBootPolicy();

        var d = await policy.DecideAsync(Client(1), default);

        Assert.Equal(DhcpBootAction.Boot, d.Action);
        Assert.EndsWith(".ipxe", d.BootFile, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_UnsupportedArchitecture_Ignores()
    {
        var policy = new DefaultBootPolicy();

        var d = await policy.DecideAsync(Client(1, ipxe: false, arch: (ClientArchitecture)2), default);

        Assert.Equal(DhcpBootAction.Ignore, d.Action);
    }

    [Fact]
    public void Expand_Placeholders_AreFilled()
    {
        var url = DefaultBootPolicy.Expand("http://{server}/x/{mac}/{arch}", Client(1, arch: ClientArchitecture.EfiArm64));

        Assert.Equal("http://198.18.1.1/x/52-54-00-12-34-56/11", url);
    }
}
