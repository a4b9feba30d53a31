using Provisioner.Core.Networking;

namespace Provisioner.Core.Tests.Networking;

[Trait("Area", "Core")]
public sealed class MacAddressTests
{
    [Theory]
    [InlineData("52:54:00:12:34:56")]
    [InlineData("52-54-00-12-34-56")]
    [InlineData("5254.0012.3456")]
    [InlineData("525400123456")]
    [InlineData("  52:54:00:12:34:56 ")]
    [InlineData("52:54:00:AB:CD:EF")]
    public void Parse_CommonForms_NormalisesToLowerColons(string text)
    {
        var mac = MacAddress.Parse(text);
        var expected = text.Contains("AB", StringComparison.Ordinal) ? "52:54:00:ab:cd:ef" : "52:54:00:12:34:56";
        Assert.Equal(expected, mac.ToString());
        Assert.Equal(expected.Replace(':', '-'), mac.ToHyphenString());
        Assert.Equal(mac, MacAddress.FromBytes(mac.GetBytes()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("52:54:00:12:34")]
    [InlineData("52:54:00:12:34:56:78")]
    [InlineData("52:54:00:12:34:zz")]
    [InlineData("52:54:00:12:34:56; rm -rf /")]
    public void TryParse_Malformed_ReturnsFalse(string? text)
    {
        Assert.False(MacAddress.TryParse(text, out _));
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => MacAddress.Parse(text));
        }
    }

    [Fact]
    public void FromBytes_WrongLength_Throws() => Assert.Throws<ArgumentException>(() => MacAddress.FromBytes([1, 2, 3]));

    [Fact]
    public void CompareTo_OrdersNumerically()
    {
        var a = MacAddress.Parse("00:00:00:00:00:ff");
        var b = MacAddress.Parse("00:00:00:00:01:00");
        Assert.True(a.CompareTo(b) < 0);
        Assert.Equal(0, b.CompareTo(MacAddress.Parse("000000000100")));
    }
}
