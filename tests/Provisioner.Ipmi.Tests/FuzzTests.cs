using Provisioner.Ipmi.Commands;
using Provisioner.Ipmi.Security;
using Provisioner.Ipmi.Wire;
using Provisioner.TestKit.Ipmi;

namespace Provisioner.Ipmi.Tests;

/// <summary>Mutated replies: the client rejects them with a protocol error or a clear IpmiException, never anything else.</summary>
[Trait("Area", "Ipmi")]
public sealed class FuzzTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(17)]
    public void ParseV20_MutatedSessionPackets_OnlyProtocolErrors(int suiteId)
    {
        var random = new Random(suiteId);
        using var keys = new SessionKeys(CipherSuite.FromId(suiteId), new byte[20]);
        var good = RmcpPacket.BuildV20(PayloadType.Ipmi, 42, 9, IpmiMessage.BuildResponse(NetFn.Chassis, 1, 1, 0, [1, 0, 0]), keys);
        for (var i = 0; i < 20_000; i++)
        {
            var p = Mutate(random, good);
            try
            {
                var parsed = RmcpPacket.ParseV20(p, keys, 42);
                IpmiMessage.ParseResponse(parsed.Payload);
                // Only the untouched session part may pass (the RMCP header itself is not covered by the code, §13.28.4).
                Assert.Equal(good[4..], p[4..]);
            }
            catch (IpmiProtocolException)
            {
            }
        }
    }

    [Fact]
    public void SessionSetupParsers_RandomBytes_OnlyProtocolErrors()
    {
        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
        {
            var p = new byte[random.Next(0, 80)];
            random.NextBytes(p);
            Try(() => SessionSetup.ParseOpenSessionResponse(p));
            Try(() => SessionSetup.ParseRakp2(p, AuthenticationAlgorithm.HmacSha256));
            Try(() => SessionSetup.ParseRakp4(p, AuthenticationAlgorithm.HmacSha1));
            Try(() => RmcpPacket.ParseV20(p, null));
            Try(() => RmcpPacket.ParseV15(p));
            Try(() => BootFlags.Parse(p));
            Try(() => DeviceId.Parse(p));
        }
    }

    [Fact]
    public async Task Client_MutatedRepliesFromBmc_FailsCleanlyOrSucceeds()
    {
        var random = new Random(11);
        await using var bmc = new FakeBmc(new FakeChassis(powerOn: true));
        await using var client = FakeBmcTests.Client(bmc, tries: 1, timeoutMs: 200);
        for (var attempt = 0; !client.HasSession && attempt < 5; attempt++)
        {
            try
            {
                await client.GetChassisStatusAsync(); // open the session before mutating replies
            }
            catch (IpmiException) when (attempt < 4)
            {
            }
        }
        var mutatedReplies = 0;
        bmc.MutateSessionReply = r =>
        {
            Interlocked.Increment(ref mutatedReplies);
            lock (random)
            {
                return Mutate(random, r);
            }
        };

        for (var i = 0; i < 25; i++)
        {
            try
            {
                Assert.True((await client.GetChassisStatusAsync()).PowerOn);
            }
            catch (IpmiException e)
            {
                Assert.StartsWith("BMC 127.0.0.1:", e.Message, StringComparison.Ordinal);
            }
        }

        Assert.True(mutatedReplies >= 25);
        Assert.True(client.Counters.Snapshot().TotalRejected > 0);
    }

    private static byte[] Mutate(Random random, byte[] good)
    {
        var p = (byte[])good.Clone();
        switch (random.Next(4))
        {
            case 0:
                return p[..random.Next(0, p.Length)];
            case 1:
                p[random.Next(p.Length)] ^= (byte)random.Next(1, 256);
                return p;
            case 2:
                for (var k = random.Next(1, 6); k > 0; k--)
                {
                    p[random.Next(p.Length)] = (byte)random.Next(256);
                }

                return p;
            default:
                var extra = new byte[random.Next(1, 40)];
                random.NextBytes(extra);
                return [.. p, .. extra];
        }
    }

    private static void Try(Action a)
    {
        try
        {
            a();
        }
        catch (IpmiProtocolException)
        {
        }
    }
}
