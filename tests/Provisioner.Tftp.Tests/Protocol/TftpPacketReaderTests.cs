using System.Text;
using Provisioner.Tftp.Protocol;

namespace Provisioner.Tftp.Tests.Protocol;

[Trait("Area", "Tftp")]
public sealed class TftpPacketReaderTests
{
    private static byte[] Bytes(string s) => Encoding.Latin1.GetBytes(s);

    [Fact]
    [Trait("Area", "Tftp")]
    public void ReadRequest_RrqWithOptions_ParsesNameModeAndOptionsInOrder()
    {
        var packet = Bytes("\0\u0001pxelinux.0\0OCTET\0BLKSIZE\01468\0tsize\00\0");

        var request = TftpPacketReader.ReadRequest(packet);

        Assert.Equal(TftpOpcode.ReadRequest, request.Opcode);
        Assert.Equal("pxelinux.0", request.FileName);
        Assert.Equal(TftpTransferMode.Octet, request.Mode);
        Assert.Equal([new TftpOption("blksize", "1468"), new TftpOption("tsize", "0")], request.Options);
        Assert.Equal("1468", request.Option("blksize"));
    }

    [Theory]
    [Trait("Area", "Tftp")]
    [InlineData("\0\u0001file")]              // no NUL after the name
    [InlineData("\0\u0001file\0octet")]       // no NUL after the mode
    [InlineData("\0\u0001\0octet\0")]         // empty name
    [InlineData("\0")]                        // shorter than an opcode
    [InlineData("\0\u0003file\0octet\0")]     // DATA is not a request
    public void ReadRequest_Malformed_Throws(string raw)
        => Assert.Throws<TftpProtocolException>(() => TftpPacketReader.ReadRequest(Bytes(raw)));

    [Fact]
    [Trait("Area", "Tftp")]
    public void ReadRequest_TrailingNameWithoutValue_IgnoresIt()
    {
        var request = TftpPacketReader.ReadRequest(Bytes("\0\u0001f\0netascii\0blksize\01024\0tsize\0"));

        Assert.Equal(TftpTransferMode.Netascii, request.Mode);
        Assert.Equal([new TftpOption("blksize", "1024")], request.Options);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public void ReadRequest_MailMode_IsUnsupported()
        => Assert.Equal(TftpTransferMode.Unsupported, TftpPacketReader.ReadRequest(Bytes("\0\u0001f\0mail\0")).Mode);

    [Fact]
    [Trait("Area", "Tftp")]
    public void ReadRequest_ManyOptions_StopsAtTheLimit()
    {
        var sb = new StringBuilder("\0\u0001f\0octet\0");
        for (var i = 0; i < 1000; i++)
        {
            sb.Append("x").Append(i).Append("\0").Append("1\0");
        }

        Assert.Equal(TftpPacketReader.MaxOptions, TftpPacketReader.ReadRequest(Bytes(sb.ToString())).Options.Count);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public void WriteThenRead_Request_RoundTrips()
    {
        var buffer = new byte[512];
        var n = TftpPacketWriter.WriteRequest(buffer, TftpOpcode.ReadRequest, "a/b.efi", "octet", [new("windowsize", "16")]);

        var request = TftpPacketReader.ReadRequest(buffer.AsSpan(0, n));

        Assert.Equal("a/b.efi", request.FileName);
        Assert.Equal("16", request.Option("windowsize"));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public void WriteError_ThenReadError_RoundTrips()
    {
        var buffer = new byte[64];
        var n = TftpPacketWriter.WriteError(buffer, TftpErrorCode.OptionNegotiationRefused, "no");

        Assert.Equal((TftpErrorCode.OptionNegotiationRefused, "no"), TftpPacketReader.ReadError(buffer.AsSpan(0, n)));
        Assert.Equal(0, buffer[n - 1]);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public void WriteOptionAck_WritesNameValuePairs()
    {
        var buffer = new byte[64];
        var n = TftpPacketWriter.WriteOptionAck(buffer, [new("blksize", "1468"), new("tsize", "7")]);

        Assert.Equal(Bytes("\0\u0006blksize\01468\0tsize\07\0"), buffer.AsSpan(0, n).ToArray());
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public void Encode_Netascii_TurnsLfIntoCrLfAndBareCrIntoCrNul()
    {
        var encoded = NetasciiEncoder.Encode(Bytes("a\nb\rc"));

        Assert.Equal(Bytes("a\r\nb\r\0c"), encoded);
        Assert.Equal(encoded.Length, NetasciiEncoder.EncodedLength(Bytes("a\nb\rc")));
    }
}
