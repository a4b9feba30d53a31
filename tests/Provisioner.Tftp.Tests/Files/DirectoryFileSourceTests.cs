using System.Net;
using Provisioner.TestKit;
using Provisioner.Tftp.Files;

namespace Provisioner.Tftp.Tests.Files;

[Trait("Area", "Tftp")]
public sealed class DirectoryFileSourceTests : IDisposable
{
    private static readonly IPEndPoint s_client = new(IPAddress.Parse("198.18.0.2"), 2000);
    private readonly string _base = Directory.CreateTempSubdirectory("tftp-src-").FullName;
    private readonly string _root;

    public DirectoryFileSourceTests()
    {
        _root = Path.Combine(_base, "root");
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        File.WriteAllText(Path.Combine(_root, "sub", "Kernel.bin"), "kernel");
        File.WriteAllText(Path.Combine(_base, "secret"), "secret");
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private DirectoryFileSource Source(bool caseInsensitive = false, long cache = 1 << 20)
        => new(new DirectoryFileSourceOptions { Root = _root, CaseInsensitive = caseInsensitive, CacheSizeBytes = cache });

    private static async Task<string> ReadAllAsync(TftpOpenResult result)
    {
        Assert.Equal(TftpOpenStatus.Found, result.Status);
        using var file = result.File!;
        var buffer = new byte[file.Length];
        var n = await file.ReadAsync(0, buffer, CancellationToken.None);
        return System.Text.Encoding.ASCII.GetString(buffer, 0, n);
    }

    [Theory]
    [Trait("Area", "Tftp")]
    [InlineData(0)]
    [InlineData(1 << 20)]
    public async Task Open_RegularFile_CachedOrNot_SameContent(long cache)
        => Assert.Equal("kernel", await ReadAllAsync(await Source(cache: cache).OpenAsync("sub/Kernel.bin", s_client, default)));

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Open_Missing_NotFound()
        => Assert.Equal(TftpOpenStatus.NotFound, (await Source().OpenAsync("sub/none", s_client, default)).Status);

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Open_SymlinkLeavingRoot_AccessDenied()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "escape"), Path.Combine(_base, "secret"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "updir"), _base);

        Assert.Equal(TftpOpenStatus.AccessDenied, (await Source().OpenAsync("escape", s_client, default)).Status);
        Assert.Equal(TftpOpenStatus.AccessDenied, (await Source().OpenAsync("updir/secret", s_client, default)).Status);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Open_SymlinkInsideRoot_Served()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "vmlinuz"), "sub/Kernel.bin");

        Assert.Equal("kernel", await ReadAllAsync(await Source().OpenAsync("vmlinuz", s_client, default)));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Open_Directory_AccessDenied()
        => Assert.Equal(TftpOpenStatus.AccessDenied, (await Source().OpenAsync("sub", s_client, default)).Status);

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Open_Fifo_AccessDeniedWithoutBlocking()
    {
        var fifo = Path.Combine(_root, "pipe");
        var (rc, _, err) = await PeerProcess.RunAsync(Provisioner.TestKit.Peers.Require("mkfifo", "coreutils"), new[] { fifo }, TimeSpan.FromSeconds(10));
        Assert.True(rc == 0, err);

        var open = Task.Run(async () => await Source().OpenAsync("pipe", s_client, default));

        var result = await open.WaitAsync(TimeSpan.FromSeconds(5)); // opening a FIFO must not block
        Assert.Equal(TftpOpenStatus.AccessDenied, result.Status);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Open_DotDotGivenDirectly_AccessDenied()
        => Assert.Equal(TftpOpenStatus.AccessDenied, (await Source().OpenAsync("../secret", s_client, default)).Status);

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Open_WrongCase_FoundOnlyWhenCaseInsensitive()
    {
        Assert.Equal(TftpOpenStatus.NotFound, (await Source().OpenAsync("SUB/kernel.BIN", s_client, default)).Status);
        Assert.Equal("kernel", await ReadAllAsync(await Source(caseInsensitive: true).OpenAsync("SUB/kernel.BIN", s_client, default)));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Open_FileChangedAfterCaching_NewContentServed()
    {
        var source = Source();
        var path = Path.Combine(_root, "sub", "Kernel.bin");
        Assert.Equal("kernel", await ReadAllAsync(await source.OpenAsync("sub/Kernel.bin", s_client, default)));
        Assert.Equal(6, source.CachedBytes);

        File.WriteAllText(path, "kernel-v2");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));

        Assert.Equal("kernel-v2", await ReadAllAsync(await source.OpenAsync("sub/Kernel.bin", s_client, default)));
        Assert.Equal(9, source.CachedBytes);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Open_CacheBudgetExceeded_LeastRecentlyUsedEvicted()
    {
        File.WriteAllBytes(Path.Combine(_root, "a"), new byte[600]);
        File.WriteAllBytes(Path.Combine(_root, "b"), new byte[600]);
        var source = Source(cache: 1000);

        (await source.OpenAsync("a", s_client, default)).File!.Dispose();
        (await source.OpenAsync("b", s_client, default)).File!.Dispose();

        Assert.Equal(600, source.CachedBytes);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Open_LargerThanCacheLimit_StreamedFromDisk()
    {
        File.WriteAllBytes(Path.Combine(_root, "big"), new byte[5000]);
        var source = new DirectoryFileSource(new DirectoryFileSourceOptions { Root = _root, MaxCachedFileBytes = 4096 });

        using var file = (await source.OpenAsync("big", s_client, default)).File!;

        Assert.IsType<HandleTftpFile>(file);
        Assert.Equal(5000, file.Length);
        Assert.Equal(0, source.CachedBytes);
    }
}
