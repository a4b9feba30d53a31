using Provisioner.TestKit;
using Provisioner.TestKit.Imaging;

namespace Provisioner.Imaging.Tests;

/// <summary>curl as a real peer of the test image server's range handling (the server stands in for nginx).</summary>
[Trait("Area", "Imaging")]
public sealed class RangeHttpServerCurlTests
{
    private static async Task<(int Code, string Out, string Err)> CurlAsync(params string[] args)
        => await PeerProcess.RunAsync(Peers.Require("curl"), ["-s", "--max-time", "10", .. args], TimeSpan.FromSeconds(20));

    [Fact]
    [Trait("Peer", "curl")]
    public async Task Curl_RangeRequest_Gets206WithContentRangeAndTheBytes()
    {
        await using var server = new RangeHttpServer();
        var url = server.Add("f.txt", "0123456789abcdef"u8.ToArray());

        var (code, body, err) = await CurlAsync("-r", "3-6", url.ToString());
        var (_, headers, _) = await CurlAsync("-r", "10-", "-D", "-", "-o", "/dev/null", url.ToString());

        Assert.True(code == 0, err);
        Assert.Equal("3456", body.Trim());
        Assert.Contains("HTTP/1.1 206", headers, StringComparison.Ordinal);
        Assert.Contains("Content-Range: bytes 10-15/16", headers, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Peer", "curl")]
    public async Task Curl_UnsatisfiableRangeAndMissingFile_Get416And404()
    {
        await using var server = new RangeHttpServer();
        var url = server.Add("f.txt", "0123"u8.ToArray());

        var (_, status416, _) = await CurlAsync("-r", "10-20", "-o", "/dev/null", "-w", "%{http_code}", url.ToString());
        var (_, status404, _) = await CurlAsync("-o", "/dev/null", "-w", "%{http_code}", new Uri(server.BaseUri, "nope").ToString());

        Assert.Equal("416", status416.Trim());
        Assert.Equal("404", status404.Trim());
    }

    [Fact]
    [Trait("Peer", "curl")]
    public async Task Curl_ContinueAfterCut_ResumesWithRangeAndGetsWholeFile()
    {
        await using var server = new RangeHttpServer();
        var data = new byte[300_000];
        new Random(3).NextBytes(data);
        var url = server.Add("big.bin", data);
        server.Faults = r => r.Number == 1 ? new ServerFault(CutAfterBytes: 100_000) : null;
        string file = Path.Combine(Path.GetTempPath(), "curl-" + Guid.NewGuid().ToString("N"));
        try
        {
            await CurlAsync("-o", file, url.ToString()); // cut: partial file
            var (code, _, err) = await CurlAsync("-C", "-", "-o", file, url.ToString());

            Assert.True(code == 0, err);
            Assert.Equal(data, await File.ReadAllBytesAsync(file));
            Assert.Equal(100_000, server.Requests[1].RangeFrom);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
