using System.Net;
using System.Text;
using Provisioner.Net;
using Provisioner.Tftp.Files;
using Provisioner.Tftp.Protocol;
using Provisioner.Tftp.Server;
using Provisioner.Tftp.Transport;
using static Provisioner.Tftp.Tests.Server.InMemoryTftpBed;

namespace Provisioner.Tftp.Tests.Server;

[Trait("Area", "Tftp")]
public sealed class TftpServerTests
{
    private static byte[] Content(int size, int seed = 7)
    {
        var b = new byte[size];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>Acts as a lock-step or windowed client until the last block; returns the bytes received.</summary>
    private static async Task<byte[]> DownloadAsync(Provisioner.TestKit.InMemoryDatagramChannel transfer, IPEndPoint client, int blockSize,
        int windowSize = 1, byte[]? first = null)
    {
        var received = new MemoryStream();
        var expected = 1;
        var inWindow = 0;
        var packet = first ?? await ReadAsync(transfer, client);
        while (true)
        {
            Assert.Equal(TftpOpcode.Data, Opcode(packet));
            Assert.Equal((ushort)expected, Block(packet));
            received.Write(packet, 4, packet.Length - 4);
            var last = packet.Length - 4 < blockSize;
            if (++inWindow == windowSize || last)
            {
                transfer.Inject(client, Ack(expected));
                inWindow = 0;
            }

            if (last)
            {
                return received.ToArray();
            }

            expected++;
            packet = await ReadAsync(transfer, client);
        }
    }

    [Theory]
    [Trait("Area", "Tftp")]
    [InlineData(0)]
    [InlineData(511)]
    [InlineData(512)]
    [InlineData(513)]
    [InlineData(5000)]
    public async Task Rrq_NoOptions_LockStepDataInRfc1350Blocks(int size)
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["f.bin"] = Content(size);
        var client = Client();

        bed.Request(client, "f.bin");
        var transfer = await bed.NextTransferAsync();
        var data = await DownloadAsync(transfer, client, 512);

        Assert.Equal(bed.Files["f.bin"], data);
        var ended = await bed.EndedAsync();
        Assert.Equal(TftpTransferOutcome.Completed, ended.Outcome);
        Assert.Equal(size, ended.BytesSent);
        Assert.Equal(0, ended.Retransmissions);
        Assert.NotEqual(69, transfer.LocalEndPoint.Port); // a TID of its own (RFC 1350 §4)
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Rrq_WithOptions_SendsOackThenDataAfterAck0()
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["k"] = Content(3000);
        var client = Client();

        bed.Request(client, "k", "octet", ("blksize", "1000"), ("tsize", "0"), ("timeout", "2"), ("x-unknown", "1"));
        var transfer = await bed.NextTransferAsync();
        var oack = await ReadAsync(transfer, client);

        Assert.Equal(Encoding.ASCII.GetBytes("\0\u0006blksize\01000\0tsize\03000\0timeout\02\0"), oack);
        transfer.Inject(client, Ack(0));
        Assert.Equal(bed.Files["k"], await DownloadAsync(transfer, client, 1000));
        Assert.Equal(1000, (await bed.EndedAsync()).BlockSize);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Rrq_Windowsize4_SendsFourBlocksPerAck()
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["w"] = Content(10 * 100 + 50);
        var client = Client();

        bed.Request(client, "w", "octet", ("blksize", "100"), ("windowsize", "4"));
        var transfer = await bed.NextTransferAsync();
        await ReadAsync(transfer, client); // OACK
        transfer.Inject(client, Ack(0));
        for (var b = 1; b <= 4; b++)
        {
            Assert.Equal(b, Block(await ReadAsync(transfer, client)));
        }

        Assert.False(transfer.TryReadSent(out _)); // the window is full: nothing more until an ACK
        transfer.Inject(client, Ack(4));
        for (var b = 5; b <= 8; b++)
        {
            Assert.Equal(b, Block(await ReadAsync(transfer, client)));
        }

        transfer.Inject(client, Ack(8));
        for (var b = 9; b <= 11; b++)
        {
            var p = await ReadAsync(transfer, client);
            Assert.Equal(b, Block(p));
            Assert.Equal(b == 11 ? 54 : 104, p.Length);
        }

        transfer.Inject(client, Ack(11));
        Assert.Equal(TftpTransferOutcome.Completed, (await bed.EndedAsync()).Outcome);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Window64_SentInRunsThatFitOneOffloadedSend_ClientGetsEveryBlockInOrder()
    {
        // 100 blocks of 1468 bytes, the last one short: windows of 64 and 36 blocks. One offloaded send carries at
        // most 65507 bytes, 44 packets of 1472, so the first window goes as runs of 44 and 20 packets.
        await using var bed = new InMemoryTftpBed();
        var content = Content((99 * 1468) + 968);
        bed.Files["w"] = content;
        var client = Client();

        bed.Request(client, "w", "octet", ("blksize", "1468"), ("windowsize", "64"));
        var transfer = await bed.NextTransferAsync();
        await ReadAsync(transfer, client); // OACK
        transfer.Inject(client, Ack(0));
        var received = await DownloadAsync(transfer, client, 1468, 64);

        Assert.Equal(content, received);
        Assert.Equal(TftpTransferOutcome.Completed, (await bed.EndedAsync()).Outcome);
        Assert.Equal(44, DatagramSegments.PerRun(1472));
        Assert.Equal([(44 * 1472, 1472), (20 * 1472, 1472), ((35 * 1472) + 972, 1472)], transfer.SegmentRuns.ToArray());
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task LockStep_SendsSinglePackets_NoRuns()
    {
        await using var bed = new InMemoryTftpBed();
        var content = Content(5000);
        bed.Files["f"] = content;
        var client = Client();

        bed.Request(client, "f");
        var transfer = await bed.NextTransferAsync();

        Assert.Equal(content, await DownloadAsync(transfer, client, 512));
        Assert.Empty(transfer.SegmentRuns);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Ack_MidWindow_NextWindowStartsAfterTheAckedBlock()
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["w"] = Content(2000);
        var client = Client();
        bed.Request(client, "w", "octet", ("blksize", "100"), ("windowsize", "4"));
        var transfer = await bed.NextTransferAsync();
        await ReadAsync(transfer, client);
        transfer.Inject(client, Ack(0));
        for (var b = 1; b <= 4; b++)
        {
            await ReadAsync(transfer, client);
        }

        // RFC 7440 §4: the client lost block 3 and acknowledges 2.
        transfer.Inject(client, Ack(2));

        for (var b = 3; b <= 6; b++)
        {
            Assert.Equal(b, Block(await ReadAsync(transfer, client)));
        }
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Ack_Duplicate_NeverTriggersASecondBurst()
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["f"] = Content(2000);
        var client = Client();
        bed.Request(client, "f");
        var transfer = await bed.NextTransferAsync();
        Assert.Equal(1, Block(await ReadAsync(transfer, client)));
        transfer.Inject(client, Ack(1));
        Assert.Equal(2, Block(await ReadAsync(transfer, client)));

        // Sorcerer's Apprentice: a delayed duplicate of ACK 1 must not cause block 2 to be sent again.
        transfer.Inject(client, Ack(1));
        transfer.Inject(client, Ack(2));

        Assert.Equal(3, Block(await ReadAsync(transfer, client)));
        await EventuallyAsync(() => bed.Server.GetCounters().Drops[TftpDropReason.DuplicateAck] == 1, "duplicate ACK counted");
        Assert.False(transfer.TryReadSent(out _));
        Assert.Equal(0, bed.Server.GetCounters().Retransmissions);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Ack_ForBlockNeverSent_IgnoredAndCounted()
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["f"] = Content(2000);
        var client = Client();
        bed.Request(client, "f");
        var transfer = await bed.NextTransferAsync();
        await ReadAsync(transfer, client);

        transfer.Inject(client, Ack(3));

        await EventuallyAsync(() => bed.Server.GetCounters().Drops[TftpDropReason.AckForUnsentBlock] == 1, "ACK for unsent block counted");
        Assert.False(transfer.TryReadSent(out _));
        transfer.Inject(client, Ack(1));
        Assert.Equal(2, Block(await ReadAsync(transfer, client)));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task ChannelFactory_AskedForAnEphemeralPortOnTheRequestsLocalAddress()
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["a"] = Content(1000);
        bed.Files["b"] = Content(1000);
        var first = Client();
        var second = Client();

        bed.Request(first, "a");
        await ReadAsync(await bed.NextTransferAsync(), first);
        bed.Request(second, "b", "octet", ("windowsize", "16"));
        await ReadAsync(await bed.NextTransferAsync(), second);

        Assert.Equal([new IPEndPoint(ServerAddress, 0), new IPEndPoint(ServerAddress, 0)], bed.ChannelRequests.ToArray());
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Timeout_NoAck_WindowResentThenTransferAbandonedAfterRetries()
    {
        var options = new TftpServerOptions { Timeout = TimeSpan.FromSeconds(1), MaxRetries = 2 };
        await using var bed = new InMemoryTftpBed(options);
        bed.Files["f"] = Content(2000);
        var client = Client();
        bed.Request(client, "f");
        var transfer = await bed.NextTransferAsync();
        Assert.Equal(1, Block(await ReadAsync(transfer, client)));

        for (var retry = 1; retry <= 2; retry++)
        {
            bed.Time.Advance(TimeSpan.FromMilliseconds(999));
            Assert.False(transfer.TryReadSent(out _));
            bed.Time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(1, Block(await ReadAsync(transfer, client)));
        }

        bed.Time.Advance(TimeSpan.FromSeconds(1));

        var ended = await bed.EndedAsync();
        Assert.Equal(TftpTransferOutcome.TimedOut, ended.Outcome);
        Assert.Equal(2, ended.Retransmissions);
        await EventuallyAsync(() => bed.Server.ActiveTransfers == 0, "transfer cleaned up");
        Assert.Equal(0, bed.Server.GetCounters().TransfersActive);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Timeout_OackUnanswered_OackResent()
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["f"] = Content(10);
        var client = Client();
        bed.Request(client, "f", "octet", ("tsize", "0"));
        var transfer = await bed.NextTransferAsync();
        var oack = await ReadAsync(transfer, client);

        bed.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(oack, await ReadAsync(transfer, client));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Packet_FromWrongPort_AnsweredWithError5AndTransferUndisturbed()
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["f"] = Content(1500);
        var client = Client();
        var stranger = new IPEndPoint(client.Address, client.Port + 1);
        bed.Request(client, "f");
        var transfer = await bed.NextTransferAsync();
        await ReadAsync(transfer, client);

        transfer.Inject(stranger, Ack(1));

        var error = await ReadAsync(transfer, stranger);
        Assert.Equal((TftpErrorCode.UnknownTransferId, "Unknown transfer ID"), TftpPacketReader.ReadError(error));
        transfer.Inject(client, Ack(1));
        Assert.Equal(2, Block(await ReadAsync(transfer, client)));
        Assert.Equal(1, bed.Server.GetCounters().Drops[TftpDropReason.UnknownTransferId]);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task ErrorFromClient_EndsTransferWithoutAnswer()
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["f"] = Content(100);
        var client = Client();
        bed.Request(client, "f", "octet", ("blksize", "64"));
        var transfer = await bed.NextTransferAsync();
        await ReadAsync(transfer, client);
        var error = new byte[32];
        var n = TftpPacketWriter.WriteError(error, TftpErrorCode.OptionNegotiationRefused, "no thanks");

        transfer.Inject(client, error.AsSpan(0, n));

        var ended = await bed.EndedAsync();
        Assert.Equal(TftpTransferOutcome.ClientAborted, ended.Outcome);
        Assert.Contains("no thanks", ended.Detail, StringComparison.Ordinal);
        Assert.False(transfer.TryReadSent(out _));
    }

    [Theory]
    [Trait("Area", "Tftp")]
    [InlineData("missing.bin", TftpErrorCode.FileNotFound, TftpTransferOutcome.NotFound)]
    [InlineData("../etc/passwd", TftpErrorCode.AccessViolation, TftpTransferOutcome.AccessDenied)]
    [InlineData("a\\..\\..\\x", TftpErrorCode.AccessViolation, TftpTransferOutcome.AccessDenied)]
    public async Task Rrq_RefusedFile_ErrorFromListenerAndNoTransfer(string name, TftpErrorCode code, TftpTransferOutcome outcome)
    {
        await using var bed = new InMemoryTftpBed();
        var client = Client();

        bed.Request(client, name);

        var error = await ReadAsync(bed.Listener, client);
        Assert.Equal(code, TftpPacketReader.ReadError(error).Code);
        Assert.Equal(outcome, (await bed.EndedAsync()).Outcome);
        Assert.False(bed.TryNextTransfer(out _));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Wrq_Refused_AccessViolation()
    {
        await using var bed = new InMemoryTftpBed();
        var client = Client();

        bed.Listener.Inject(client, RequestBytes(TftpOpcode.WriteRequest, "upload.bin"));

        Assert.Equal(TftpErrorCode.AccessViolation, TftpPacketReader.ReadError(await ReadAsync(bed.Listener, client)).Code);
        Assert.Equal(TftpTransferOutcome.AccessDenied, (await bed.EndedAsync()).Outcome);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Rrq_AbsurdOption_RefusedWithError8()
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["f"] = Content(10);
        var client = Client();

        bed.Request(client, "f", "octet", ("blksize", "2"));

        Assert.Equal(TftpErrorCode.OptionNegotiationRefused, TftpPacketReader.ReadError(await ReadAsync(bed.Listener, client)).Code);
        Assert.Equal(TftpTransferOutcome.OptionsRefused, (await bed.EndedAsync()).Outcome);
    }

    [Theory]
    [Trait("Area", "Tftp")]
    [InlineData(new byte[] { 0, 9, 1, 2 }, TftpDropReason.UnknownOpcode)]
    [InlineData(new byte[] { 0, 1, (byte)'f', 0, (byte)'o' }, TftpDropReason.Malformed)]
    public async Task Listener_BadPacket_AnsweredWithError4AndCounted(byte[] packet, TftpDropReason reason)
    {
        await using var bed = new InMemoryTftpBed();
        var client = Client();

        bed.Listener.Inject(client, packet);

        Assert.Equal(TftpErrorCode.IllegalOperation, TftpPacketReader.ReadError(await ReadAsync(bed.Listener, client)).Code);
        Assert.Equal(1, bed.Server.GetCounters().Drops[reason]);
    }

    [Theory]
    [Trait("Area", "Tftp")]
    [InlineData(new byte[] { 0 }, TftpDropReason.Malformed)]
    [InlineData(new byte[] { 0, 4, 0, 1 }, TftpDropReason.NotARequest)]
    [InlineData(new byte[] { 0, 5, 0, 1, 0 }, TftpDropReason.NotARequest)]
    public async Task Listener_NonRequest_DroppedSilentlyAndCounted(byte[] packet, TftpDropReason reason)
    {
        await using var bed = new InMemoryTftpBed();

        bed.Listener.Inject(Client(), packet);

        await EventuallyAsync(() => bed.Server.GetCounters().Drops[reason] == 1, reason.ToString());
        Assert.False(bed.Listener.TryReadSent(out _));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Listener_RequestFromPortZero_Dropped()
    {
        await using var bed = new InMemoryTftpBed();

        bed.Listener.Inject(new IPEndPoint(IPAddress.Parse("198.18.0.2"), 0), RequestBytes(TftpOpcode.ReadRequest, "f"));

        await EventuallyAsync(() => bed.Server.GetCounters().Drops[TftpDropReason.InvalidSource] == 1, "dropped");
        Assert.False(bed.Listener.TryReadSent(out _));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Rrq_Repeated_WhileTransferRuns_NoSecondTransfer()
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["f"] = Content(2000);
        var client = Client();
        bed.Request(client, "f");
        var transfer = await bed.NextTransferAsync();
        await ReadAsync(transfer, client);

        bed.Request(client, "f");

        await EventuallyAsync(() => bed.Server.GetCounters().Drops[TftpDropReason.DuplicateRequest] == 1, "duplicate request counted");
        Assert.False(bed.TryNextTransfer(out _));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Rrq_Netascii_LineEndsConverted()
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["menu.cfg"] = Encoding.ASCII.GetBytes("default linux\nlabel linux\n");
        var client = Client();

        bed.Request(client, "menu.cfg", "netascii", ("tsize", "0"));
        var transfer = await bed.NextTransferAsync();
        var oack = await ReadAsync(transfer, client);
        Assert.Equal(Encoding.ASCII.GetBytes("\0\u0006tsize\028\0"), oack); // tsize is the netascii size
        transfer.Inject(client, Ack(0));

        Assert.Equal(Encoding.ASCII.GetBytes("default linux\r\nlabel linux\r\n"), await DownloadAsync(transfer, client, 512));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Rrq_UnsupportedMode_IllegalOperation()
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["f"] = Content(10);
        var client = Client();

        bed.Request(client, "f", "mail");

        Assert.Equal(TftpErrorCode.IllegalOperation, TftpPacketReader.ReadError(await ReadAsync(bed.Listener, client)).Code);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Rrq_MoreThan65535Blocks_BlockNumbersRollOverToZero()
    {
        await using var bed = new InMemoryTftpBed();
        const int blockSize = 8;
        bed.Files["big"] = Content((65536 + 10) * blockSize + 3);
        var client = Client();
        bed.Request(client, "big", "octet", ("blksize", "8"), ("windowsize", "64"));
        var transfer = await bed.NextTransferAsync();
        await ReadAsync(transfer, client);
        transfer.Inject(client, Ack(0));

        var received = new MemoryStream();
        var blocks = new List<ushort>();
        long block = 0;
        while (true)
        {
            var p = await ReadAsync(transfer, client);
            block++;
            Assert.Equal((ushort)block, Block(p));
            if (block is 65535 or 65536 or 65537)
            {
                blocks.Add(Block(p));
            }

            received.Write(p, 4, p.Length - 4);
            var last = p.Length - 4 < blockSize;
            if (block % 64 == 0 || last)
            {
                transfer.Inject(client, Ack((ushort)block));
            }

            if (last)
            {
                break;
            }
        }

        Assert.Equal([65535, 0, 1], blocks);
        Assert.Equal(bed.Files["big"], received.ToArray());
        Assert.Equal(TftpTransferOutcome.Completed, (await bed.EndedAsync()).Outcome);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task VirtualSource_SeesClientAddress_AnswerDependsOnNode()
    {
        var source = new CompositeFileSource(
            new VirtualFileSource((path, client, _) => ValueTask.FromResult<ReadOnlyMemory<byte>?>(
                path == "node.ipxe" ? Encoding.ASCII.GetBytes($"#!ipxe\necho {client.Address}\n") : null)));
        await using var bed = new InMemoryTftpBed(source: source);
        var client = Client();

        bed.Request(client, "node.ipxe");
        var transfer = await bed.NextTransferAsync();

        Assert.Equal("#!ipxe\necho 198.18.0.2\n", Encoding.ASCII.GetString(await DownloadAsync(transfer, client, 512)));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Rrq_AboveMaxTransfers_RefusedAsBusy()
    {
        await using var bed = new InMemoryTftpBed(new TftpServerOptions { MaxTransfers = 1 });
        bed.Files["f"] = Content(2000);
        bed.Request(Client(1), "f");
        await bed.NextTransferAsync();

        bed.Request(Client(2), "f");

        Assert.Equal(TftpErrorCode.NotDefined, TftpPacketReader.ReadError(await ReadAsync(bed.Listener, Client(2))).Code);
        Assert.Equal(1, bed.Server.GetCounters().Drops[TftpDropReason.ServerBusy]);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    public async Task Transfers_TwoThousandAtOnce_AllCompleteOnFewThreads()
    {
        await using var bed = new InMemoryTftpBed();
        bed.Files["f"] = Content(1300);
        const int count = 2000;
        var threadsBefore = System.Diagnostics.Process.GetCurrentProcess().Threads.Count;
        for (var i = 0; i < count; i++)
        {
            bed.Request(Client(i), "f");
        }

        var channels = new List<Provisioner.TestKit.InMemoryDatagramChannel>();
        for (var i = 0; i < count; i++)
        {
            channels.Add(await bed.NextTransferAsync());
        }

        Assert.Equal(count, bed.Server.ActiveTransfers);
        Assert.True(System.Diagnostics.Process.GetCurrentProcess().Threads.Count < threadsBefore + 100, "no thread per transfer");
        var downloads = channels.Select(async ch =>
        {
            var first = await ch.ReadSentAsync(TimeSpan.FromSeconds(30));
            return await DownloadAsync(ch, first.Remote, 512, 1, first.Payload);
        }).ToArray();
        foreach (var data in await Task.WhenAll(downloads))
        {
            Assert.Equal(bed.Files["f"], data);
        }

        await EventuallyAsync(() => bed.Ended.Count == count, "all transfers ended");
        Assert.All(bed.Ended, e => Assert.Equal(TftpTransferOutcome.Completed, e.Outcome));
        Assert.Equal(count * 1300L, bed.Server.GetCounters().BytesSent);
    }
}
