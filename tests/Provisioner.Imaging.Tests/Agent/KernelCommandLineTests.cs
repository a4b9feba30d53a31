using Provisioner.Agent.Boot;

namespace Provisioner.Imaging.Tests.Agent;

[Trait("Area", "Agent")]
public sealed class KernelCommandLineTests
{
    private const string Cmdline =
        "initrd=initrd.img console=ttyS0 provisioner.url=http://10.77.0.1:8080 provisioner.token=abc.DEF-123 BOOTIF=01-52-54-00-AA-bb-01 quiet note=\"a b\"\n";

    [Fact]
    public void Parse_IpxeCommandLine_ReturnsParameters()
    {
        var p = KernelCommandLine.Parse(Cmdline);

        Assert.Equal("http://10.77.0.1:8080", p["provisioner.url"]);
        Assert.Equal("abc.DEF-123", p["provisioner.token"]);
        Assert.Equal(string.Empty, p["quiet"]);
        Assert.Equal("a b", p["note"]);
    }

    [Theory]
    [InlineData("01-52-54-00-AA-bb-01", "52:54:00:aa:bb:01")]
    [InlineData("52-54-00-aa-bb-01", "52:54:00:aa:bb:01")]
    [InlineData("52:54:00:aa:bb:01", "52:54:00:aa:bb:01")]
    [InlineData("01-52-54-00-aa-bb", null)]
    [InlineData("20-52-54-00-aa-bb-01", null)]
    [InlineData("01-52-54-00-aa-bb-zz", null)]
    [InlineData("", null)]
    public void ParseBootIf_Values_ReturnMacOrNull(string value, string? expected)
    {
        Assert.Equal(expected, KernelCommandLine.ParseBootIf(value));
    }

    [Fact]
    public void AgentOptionsParse_FullCommandLine_ReturnsOptions()
    {
        var o = AgentOptions.Parse(Cmdline + " provisioner.lldp=0 provisioner.wait=5", new Dictionary<string, string>(), out var error);

        Assert.Null(error);
        Assert.NotNull(o);
        Assert.Equal(new Uri("http://10.77.0.1:8080"), o.ApplianceUrl);
        Assert.Equal("abc.DEF-123", o.Token);
        Assert.Equal("52:54:00:aa:bb:01", o.BootMac);
        Assert.Equal(TimeSpan.Zero, o.LldpWait);
        Assert.Equal(5, o.TaskWaitSeconds);
    }

    [Theory]
    [InlineData("console=ttyS0 provisioner.token=x", "provisioner.url")]
    [InlineData("provisioner.url=ftp://host/ provisioner.token=x", "provisioner.url")]
    [InlineData("provisioner.url=http://10.0.0.1:8080", "provisioner.token")]
    public void AgentOptionsParse_MissingOrBadParameters_ReturnsError(string cmdline, string named)
    {
        var o = AgentOptions.Parse(cmdline, new Dictionary<string, string>(), out var error);

        Assert.Null(o);
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public void AgentOptionsParse_Overrides_WinOverCommandLine()
    {
        var o = AgentOptions.Parse(Cmdline, new Dictionary<string, string> { ["provisioner.token"] = "other", ["provisioner.network"] = "off" }, out _);

        Assert.Equal("other", o!.Token);
        Assert.False(o.ConfigureNetwork);
    }
}
