using Provisioner.Tftp.Files;

namespace Provisioner.Tftp.Tests.Files;

[Trait("Area", "Tftp")]
public sealed class TftpPathTests
{
    [Theory]
    [Trait("Area", "Tftp")]
    [InlineData("pxelinux.0", "pxelinux.0")]
    [InlineData("pxelinux.cfg\\01-aa-bb", "pxelinux.cfg/01-aa-bb")]   // Windows-style client
    [InlineData("/boot/grub/grub.cfg", "boot/grub/grub.cfg")]          // GRUB sends a leading '/'
    [InlineData("a//./b", "a/b")]
    [InlineData("EFI\\BOOT\\BOOTX64.EFI", "EFI/BOOT/BOOTX64.EFI")]
    public void Normalize_AcceptedName_ReturnsRelativePath(string name, string expected)
        => Assert.Equal(expected, TftpPath.Normalize(name, allowLeadingSlash: true, out _));

    [Theory]
    [Trait("Area", "Tftp")]
    [InlineData("../etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("..\\..\\windows")]
    [InlineData("a/..")]
    [InlineData("C:\\boot.ini")]
    [InlineData("bad\u0001name")]
    [InlineData("nul\0byte")]
    [InlineData("/")]
    [InlineData("./.")]
    public void Normalize_HostileName_Refused(string name)
    {
        Assert.Null(TftpPath.Normalize(name, allowLeadingSlash: true, out var why));
        Assert.NotNull(why);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public void Normalize_AbsolutePathWhenNotAllowed_Refused()
        => Assert.Null(TftpPath.Normalize("/etc/passwd", allowLeadingSlash: false, out _));

    [Fact]
    [Trait("Area", "Tftp")]
    public void Normalize_TooLong_Refused()
        => Assert.Null(TftpPath.Normalize(new string('a', TftpPath.MaxLength + 1), true, out _));

    [Fact]
    [Trait("Area", "Tftp")]
    public void Normalize_DotsInsideNames_Kept()
        => Assert.Equal("a..b/.hidden/c...", TftpPath.Normalize("a..b/.hidden/c...", true, out _));
}
