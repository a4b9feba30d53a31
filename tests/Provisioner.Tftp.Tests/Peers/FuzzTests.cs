using System.Net;
using Provisioner.Net;
using Provisioner.TestKit.Tftp;
using Provisioner.Tftp.Protocol;
using Provisioner.Tftp.Server;

namespace Provisioner.Tftp.Tests.Peers;

[Trait("Area", "Tftp")]
[Trait("Peer", "curl")]
public sealed class FuzzTests
{
    private const int PacketCount = 100_000;

    [Fact]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "curl")]
    public async Task Fuzz_100000MutatedPackets_ServerSurvivesAndRealClientStillDownloads()
    {
        var options = new TftpServerOptions
        {
            Timeout = TimeSpan.FromMilliseconds(200),
            MaxRetries = 1,
            MaxNegotiatedTimeout = TimeSpan.FromSeconds(1),
            MaxTransfers = 300,
        };
        await using var bed = await NetnsTftpBed.StartAsync(options);
        var sha = bed.AddFile("boot.bin", 4096);
        bed.AddFile("pxelinux.cfg/default", 700, seed: 2);
        var random = new Random(20261122);
        var seeds = Seeds();
        var from = Enumerable.Range(0, 4).Select(_ => bed.ClientNs.RunInside(
            () => new UdpDatagramChannel(new UdpChannelSettings { Bind = new IPEndPoint(IPAddress.Parse("198.18.10.2"), 0) }))).ToArray();
        try
        {
            var listener = new IPEndPoint(bed.ServerAddress, bed.Port);
            for (var i = 0; i < PacketCount; i++)
            {
                var packet = Mutate(seeds[random.Next(seeds.Length)], random);
                // Mostly at port 69; some at transfer ports the server opened for mutated requests that were still valid.
                var to = listener;
                if (i % 10 == 0 && bed.TransferEndPoints.TryPeek(out var t))
                {
                    to = bed.TransferEndPoints.ElementAt(random.Next(Math.Min(bed.TransferEndPoints.Count, 50)));
                }

                await from[i % from.Length].SendAsync(to, packet, CancellationToken.None);
                if (i % 500 == 499)
                {
                    await Task.Delay(2); // let the server keep up rather than measure the kernel's drops
                }
            }
        }
        finally
        {
            foreach (var f in from)
            {
                await f.DisposeAsync();
            }
        }

        Assert.False(bed.RunTask.IsCompleted, bed.RunTask.Exception?.ToString() ?? "server loop ended");
        // Every transfer the fuzzing started ends by itself (timeouts), leaving nothing behind.
        var until = DateTime.UtcNow.AddSeconds(30);
        while (bed.Server.ActiveTransfers > 0)
        {
            Assert.True(DateTime.UtcNow < until, $"{bed.Server.ActiveTransfers} transfers still running");
            await Task.Delay(50);
        }

        var output = bed.OutputPath("after-fuzz.bin");
        var result = await TftpClients.CurlGetAsync(bed.ClientNs.Name, bed.ServerAddress, bed.Port, "boot.bin", output, 1468);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(sha, NetnsTftpBed.Sha256Of(output));

        var counters = bed.Server.GetCounters();
        Assert.True(counters.RequestsReceived > PacketCount / 2, $"only {counters.RequestsReceived} datagrams reached the server");
        Assert.True(counters.Drops[TftpDropReason.Malformed] > 0);
        Assert.True(counters.Drops[TftpDropReason.UnknownOpcode] > 0);
        Assert.True(counters.ErrorsSent[TftpErrorCode.IllegalOperation] > 0);
        Assert.True(counters.ErrorsSent[TftpErrorCode.FileNotFound] > 0);
    }

    private static byte[][] Seeds()
    {
        var list = new List<byte[]>();
        var b = new byte[600];
        int n;
        n = TftpPacketWriter.WriteRequest(b, TftpOpcode.ReadRequest, "boot.bin", "octet",
            [new("blksize", "1468"), new("tsize", "0"), new("timeout", "1"), new("windowsize", "8")]);
        list.Add(b[..n]);
        n = TftpPacketWriter.WriteRequest(b, TftpOpcode.ReadRequest, "pxelinux.cfg/default", "netascii");
        list.Add(b[..n]);
        n = TftpPacketWriter.WriteRequest(b, TftpOpcode.WriteRequest, "up.bin", "octet");
        list.Add(b[..n]);
        n = TftpPacketWriter.WriteRequest(b, TftpOpcode.ReadRequest, "../../etc/passwd", "octet");
        list.Add(b[..n]);
        n = TftpPacketWriter.WriteAck(b, 1);
        list.Add(b[..n]);
        n = TftpPacketWriter.WriteError(b, TftpErrorCode.NotDefined, "x");
        list.Add(b[..n]);
        n = TftpPacketWriter.WriteOptionAck(b, [new("blksize", "512")]);
        list.Add(b[..n]);
        list.Add([0, 3, 0, 1, 1, 2, 3]);
        return [.. list];
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var p = new List<byte>(seed);
        var mutations = random.Next(1, 5);
        for (var m = 0; m < mutations; m++)
        {
            switch (random.Next(8))
            {
                case 0 when p.Count > 0: // flip a bit
                    var i = random.Next(p.Count);
                    p[i] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when p.Count > 0: // random byte
                    p[random.Next(p.Count)] = (byte)random.Next(256);
                    break;
                case 2 when p.Count > 0: // truncate
                    var cut = random.Next(p.Count);
                    p.RemoveRange(cut, p.Count - cut);
                    break;
                case 3: // insert NUL
                    p.Insert(random.Next(p.Count + 1), 0);
                    break;
                case 4 when p.Count > 1: // remove a NUL terminator
                    var z = p.LastIndexOf(0);
                    if (z >= 0)
                    {
                        p.RemoveAt(z);
                    }

                    break;
                case 5: // garbage tail
                    var tail = new byte[random.Next(1, 64)];
                    random.NextBytes(tail);
                    p.AddRange(tail);
                    break;
                case 6 when p.Count >= 2: // other opcode, including unknown ones
                    p[0] = 0;
                    p[1] = (byte)random.Next(0, 12);
                    break;
                case 7: // absurd option value
                    p.AddRange(System.Text.Encoding.ASCII.GetBytes(random.Next(4) switch
                    {
                        0 => "blksize\0" + random.Next(-5, 100000) + "\0",
                        1 => "windowsize\0" + random.Next(-5, 70000) + "\0",
                        2 => "timeout\099999999999999999999\0",
                        _ => "tsize\0-1\0",
                    }));
                    break;
            }
        }

        return [.. p];
    }
}
