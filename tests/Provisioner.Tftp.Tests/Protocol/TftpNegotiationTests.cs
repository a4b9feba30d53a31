using Provisioner.Tftp.Protocol;

namespace Provisioner.Tftp.Tests.Protocol;

[Trait("Area", "Tftp")]
public sealed class TftpNegotiationTests
{
    private static TftpRequest Rrq(params (string Name, string Value)[] options)
        => new(TftpOpcode.ReadRequest, "f", "octet", TftpTransferMode.Octet, options.Select(o => new TftpOption(o.Name, o.Value)).ToArray());

    [Fact]
    [Trait("Area", "Tftp")]
    public void Negotiate_NoOptions_DefaultsAndNoOack()
    {
        var result = TftpNegotiation.Negotiate(Rrq(), new TftpServerOptions(), 100, null);

        Assert.Equal(512, result.Options!.BlockSize);
        Assert.Equal(1, result.Options.WindowSize);
        Assert.Empty(result.Options.Acknowledged);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public void Negotiate_AllKnownOptions_AcknowledgedInRequestOrder()
    {
        var result = TftpNegotiation.Negotiate(Rrq(("tsize", "0"), ("blksize", "1432"), ("timeout", "3"), ("windowsize", "8")), new TftpServerOptions(), 4242, null);

        var o = result.Options!;
        Assert.Equal((1432, 8, TimeSpan.FromSeconds(3)), (o.BlockSize, o.WindowSize, o.Timeout));
        Assert.Equal([new("tsize", "4242"), new("blksize", "1432"), new("timeout", "3"), new("windowsize", "8")], o.Acknowledged);
    }

    [Theory]
    [Trait("Area", "Tftp")]
    [InlineData("65464", 65464, null, 65464)]
    [InlineData("99999999", 65464, null, 65464)]   // more than RFC 2348 allows: answered with our maximum
    [InlineData("1468", 1024, null, 1024)]          // server maximum
    [InlineData("8192", 65464, 1468, 1468)]         // interface MTU cap (1500 - 32)
    [InlineData("8", 65464, null, 8)]
    public void Negotiate_BlockSize_NeverAboveClientServerOrPath(string asked, int serverMax, int? pathCap, int expected)
    {
        var result = TftpNegotiation.Negotiate(Rrq(("blksize", asked)), new TftpServerOptions { MaxBlockSize = serverMax }, 1, pathCap);

        Assert.Equal(expected, result.Options!.BlockSize);
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Options.Acknowledged.Single().Value);
    }

    [Theory]
    [Trait("Area", "Tftp")]
    [InlineData("blksize", "7")]
    [InlineData("blksize", "-1")]
    [InlineData("blksize", "12a")]
    [InlineData("blksize", "")]
    [InlineData("timeout", "0")]
    [InlineData("timeout", "256")]
    [InlineData("windowsize", "0")]
    [InlineData("windowsize", "65536")]
    [InlineData("tsize", "x")]
    [InlineData("blksize", "1234567890123456789012")]
    public void Negotiate_AbsurdValue_Refused(string name, string value)
    {
        var result = TftpNegotiation.Negotiate(Rrq((name, value)), new TftpServerOptions(), 1, null);

        Assert.Null(result.Options);
        Assert.Contains(name, result.RefusedReason, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public void Negotiate_UnknownOption_Ignored()
    {
        var result = TftpNegotiation.Negotiate(Rrq(("multicast", ""), ("rollover", "1"), ("blksize", "1024")), new TftpServerOptions(), 1, null);

        Assert.Equal([new TftpOption("blksize", "1024")], result.Options!.Acknowledged);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public void Negotiate_WindowSizeAboveServerMaximum_AnsweredWithMaximum()
    {
        var result = TftpNegotiation.Negotiate(Rrq(("windowsize", "65535")), new TftpServerOptions { MaxWindowSize = 32 }, 1, null);

        Assert.Equal(32, result.Options!.WindowSize);
        Assert.Equal("32", result.Options.Acknowledged.Single().Value);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public void Negotiate_TimeoutAboveServerCap_NotAcknowledgedAndDefaultKept()
    {
        var options = new TftpServerOptions { MaxNegotiatedTimeout = TimeSpan.FromSeconds(5) };

        var result = TftpNegotiation.Negotiate(Rrq(("timeout", "200")), options, 1, null);

        Assert.Empty(result.Options!.Acknowledged);
        Assert.Equal(options.Timeout, result.Options.Timeout);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public void Negotiate_DuplicateOption_FirstWins()
    {
        var result = TftpNegotiation.Negotiate(Rrq(("blksize", "1024"), ("blksize", "8")), new TftpServerOptions(), 1, null);

        Assert.Equal(1024, result.Options!.BlockSize);
    }
}
