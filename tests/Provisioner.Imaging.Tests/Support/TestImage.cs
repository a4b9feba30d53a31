using System.Security.Cryptography;
using System.Text;
using Provisioner.TestKit;

namespace Provisioner.Imaging.Tests.Support;

/// <summary>A temp directory with a deterministic small disk image (data, text and zero runs) and peer-made variants.</summary>
internal sealed class TestImage : IDisposable
{
    public const int Kib = 1024;
    public const int Mib = 1024 * 1024;

    public TestImage(int sizeBytes = 5 * Mib + 12345, int seed = 7)
    {
        Directory = Path.Combine(Path.GetTempPath(), "prov-img-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
        Raw = Build(sizeBytes, seed);
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(Raw));
        RawPath = Path.Combine(Directory, "disk.img");
        File.WriteAllBytes(RawPath, Raw);
    }

    public string Directory { get; }

    public byte[] Raw { get; }

    public string RawPath { get; }

    public string Sha256 { get; }

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>Layout (as on a real disk): random 1 MiB, zeros 1.5 MiB, text 1 MiB, zeros, random tail of 300 KiB.</summary>
    public static byte[] Build(int size, int seed)
    {
        var data = new byte[size];
        var rng = new Random(seed);
        rng.NextBytes(data.AsSpan(0, Math.Min(size, Mib)));
        int textStart = Mib + 3 * Mib / 2;
        if (size > textStart)
        {
            var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 40000).Select(i => $"line {i} of /etc/something {i * 7 % 13}\n")));
            int n = Math.Min(Math.Min(Mib, text.Length), size - textStart);
            text.AsSpan(0, n).CopyTo(data.AsSpan(textStart));
        }
        int tail = 300 * Kib;
        if (size > 4 * Mib + tail)
        {
            rng.NextBytes(data.AsSpan(size - tail));
        }
        return data;
    }

    /// <summary>Compresses the raw image with the Debian program (a real peer) and returns the output path.</summary>
    public async Task<string> CompressWithPeerAsync(string program)
    {
        string tool = Peers.Require(program);
        string copy = PathOf($"peer-{program}.img");
        File.Copy(RawPath, copy, overwrite: true);
        string[] args = program switch
        {
            "gzip" => ["-k", "-f", "-1", copy],
            "zstd" => ["-q", "-f", "-3", copy, "-o", copy + ".zst"],
            "xz" => ["-k", "-f", "-1", "-T1", copy],
            _ => throw new ArgumentOutOfRangeException(nameof(program)),
        };
        var (code, _, stderr) = await PeerProcess.RunAsync(tool, args, TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"{program} failed: {stderr}");
        return copy + program switch { "gzip" => ".gz", "zstd" => ".zst", _ => ".xz" };
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
