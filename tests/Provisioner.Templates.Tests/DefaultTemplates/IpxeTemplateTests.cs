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

    [Theory]
    [InlineData(Core.Inventory.InstallMethod.Kickstart, " inst.ks=http://10.77.0.1:8080/boot/config/bt-l2-bios-worker-0123456789abcdef/kickstart inst.text ")]
    [InlineData(Core.Inventory.InstallMethod.Preseed, " auto=true priority=critical url=http://10.77.0.1:8080/boot/config/bt-l2-bios-worker-0123456789abcdef/preseed ")]
    [InlineData(Core.Inventory.InstallMethod.Autoinstall, " autoinstall ds=nocloud-net;s=http://10.77.0.1:8080/boot/config/bt-l2-bios-worker-0123456789abcdef/ ")]
    public async Task Installer_InstallMethod_PointsInstallerAtRenderedAnswerFile(Core.Inventory.InstallMethod method, string expected)
    {
        var sample = SampleContexts.Default;
        var context = sample with
        {
            Profile = sample.Profile with { InstallMethod = System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(method.ToString()) },
        };

        var output = await DefaultTemplateSet.RenderAsync("ipxe/installer.ipxe", context);

        Assert.Contains(expected, output.Split('\n').Single(l => l.StartsWith("kernel ", StringComparison.Ordinal)), StringComparison.Ordinal);
    }
}
