using Provisioner.Tftp.Transport;

namespace Provisioner.Tftp.Tests.Server;

[Trait("Area", "Tftp")]
public sealed class InterfaceMtuTests
{
    [Fact]
    [Trait("Area", "Tftp")]
    public void FromSysfs_Loopback_ReturnsItsMtu()
    {
        var index = int.Parse(File.ReadAllText("/sys/class/net/lo/ifindex").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var mtu = int.Parse(File.ReadAllText("/sys/class/net/lo/mtu").Trim(), System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(mtu, InterfaceMtu.FromSysfs(index));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public void FromSysfs_UnknownIndex_Null()
        => Assert.Null(InterfaceMtu.FromSysfs(int.MaxValue));
}
