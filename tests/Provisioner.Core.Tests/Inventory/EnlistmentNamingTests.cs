using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;

namespace Provisioner.Core.Tests.Inventory;

[Trait("Area", "Core")]
public sealed class EnlistmentNamingTests
{
    private static readonly MacAddress Mac = MacAddress.Parse("52:54:00:AB:CD:EF");

    [Theory]
    [InlineData("{zone}-{bpod}-{slot:00}", 7, "z1-r01-07")]
    [InlineData("{zone}-{bpod}-{slot:000}", 42, "z1-r01-042")]
    [InlineData("{bpod}-{slot}", 123, "r01-123")]
    [InlineData("{zone}-{mac}", 1, "z1-525400abcdef")]
    [InlineData("Node_{slot:00}.{bpod}", 3, "node-03-r01")]
    [InlineData("{unknown}-{slot}", 1, "unknown-1")]
    public void FormatHostname_Patterns_YieldDnsLabels(string pattern, int slot, string expected) =>
        Assert.Equal(expected, EnlistmentService.FormatHostname(pattern, "z1", "r01", slot, Mac));

    [Fact]
    public void FormatHostname_HostileOrHugeInput_StaysAValidLabel()
    {
        var name = EnlistmentService.FormatHostname("{zone}; rm -rf / $(reboot) " + new string('x', 200), "Z 1", "r01", 1, Mac);
        Assert.Matches("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", name);
        Assert.True(name.Length <= 63);
        Assert.Equal("node-525400abcdef", EnlistmentService.FormatHostname("---", "z", "b", 1, Mac));
    }
}
