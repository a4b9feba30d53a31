using Provisioner.Templates.Context;

namespace Provisioner.Templates.Tests.DefaultTemplates;

[Trait("Area", "Templates")]
public sealed class IpxeTemplateTests
{
    [Theory]
    [InlineData("discover")]
    [InlineData("commission")]
    [InlineData("deploy")]
    [InlineData("rescue")]
    public async Task LiveBoot_SampleNode_BootsLiveImageWithContextUrls(string purpose)
    {
        var context = SampleContexts.Default with { Boot = SampleContexts.Default.Boot with { Purpose = purpose } };

        var output = await DefaultTemplateSet.RenderAsync($"ipxe/{purpose}.ipxe", context);

        Assert.StartsWith("#!ipxe\n", output, StringComparison.Ordinal);
        Assert.Contains($"echo PROVISIONER-IPXE {purpose} ", output, StringComparison.Ordinal);
        var kernel = output.Split('\n').Single(l => l.StartsWith("kernel ", StringComparison.Ordinal));
        Assert.StartsWith($"kernel {context.Appliance.BootUrl}/live/vmlinuz provisioner.url={context.Appliance.BaseUrl} " +
                          $"provisioner.token={context.Boot.Token} BOOTIF=01-${{mac:hexhyp}} console=ttyS0 initrd=initrd.img ||", kernel, StringComparison.Ordinal);
        Assert.Contains($"initrd {context.Appliance.BootUrl}/live/initrd.img", output, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocalBoot_Bios_ExitsToNextDevice()
    {
        var output = await DefaultTemplateSet.RenderAsync("ipxe/local-boot.ipxe", SampleContexts.All["l2-bios-worker"]);

        Assert.Equal("#!ipxe\necho PROVISIONER-IPXE local-boot dc1-r01-07 bios\nexit 0\n", output);
    }
}
