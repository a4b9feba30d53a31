using Provisioner.Agent.Protocol;
using Provisioner.TestKit;
using Provisioner.TestKit.LiveImage;

namespace Provisioner.Imaging.Tests.Agent;

// Inside Provisioner.Imaging.* the Imaging library's ImageFormat would win: these tests speak the wire protocol.
using ImageFormat = Provisioner.Agent.Protocol.ImageFormat;

/// <summary>
/// Boots the built live image (images/live/out) in qemu under TCG with user-mode networking: the guest reaches only
/// the fake appliance on 127.0.0.1 (through a guestfwd address), says hello, sends its facts, writes a zstd and an xz
/// image to its disk (libzstd and liblzma of the image, loaded by the trimmed agent) and powers off on request.
/// </summary>
[Trait("Area", "Agent")]
public sealed class LiveImageBootTests
{
    private const string Mac = "52:54:00:77:00:0a";

    [Fact]
    [Trait("Peer", "qemu")]
    public async Task Boot_LiveImageInQemu_SaysHelloSendsFactsDeploysAndPowersOff()
    {
        var image = LiveImageFiles.Locate();
        await using var appliance = new FakeAppliance("boot-token-1");
        using var os = new Support.TestImage(3 * 1024 * 1024 + 5000);
        appliance.Serve("/images/os.img.zst", await File.ReadAllBytesAsync(await os.CompressWithPeerAsync("zstd")));
        appliance.Serve("/images/os.img.xz", await File.ReadAllBytesAsync(await os.CompressWithPeerAsync("xz")));
        var disk = Path.Combine(Path.GetTempPath(), $"live-boot-{Guid.NewGuid():N}.raw");
        await using (var f = File.Create(disk))
        {
            f.SetLength(64L << 20);
        }

        try
        {
            var options = new QemuMachineOptions
            {
                Kernel = image.Kernel,
                Initrd = image.Initrd,
                Append = $"console=ttyS0 quiet provisioner.url=http://10.0.2.100:8080 provisioner.token=boot-token-1 BOOTIF=01-{Mac.Replace(':', '-')} provisioner.lldp=0",
                Mac = Mac,
                GuestForwards = [("10.0.2.100", 8080, appliance.Port)],
                Disks = [disk],
                ConsoleLogPath = disk + ".console.log",
            };
            await using var vm = QemuMachine.Start(options);
            var budget = TimeSpan.FromSeconds(150);
            try
            {
                await BootAndCheckAsync(vm, appliance, os, budget);
                Assert.Equal(os.Raw, (await File.ReadAllBytesAsync(disk))[..os.Raw.Length]);
                File.Delete(options.ConsoleLogPath);   // kept for inspection when the test fails
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message}\nConsole:\n{vm.Console.Tail(60)}\nqemu stderr: {vm.Stderr}", e);
            }
        }
        finally
        {
            File.Delete(disk);
        }
    }

    /// <summary>A deploy task without a seed; the agent picks /dev/vda and writes through O_DIRECT.</summary>
    private static async Task DeployAsync(FakeAppliance appliance, string id, string url, ImageFormat format, Support.TestImage os)
    {
        appliance.Enqueue(new AgentTask(id, AgentTaskKind.Deploy, new DeployTask(new ImageSource(url, format, os.Sha256, os.Raw.Length))));
        var result = appliance.Deserialize(await appliance.WaitForCallAsync("POST", AgentApi.Result(id), TimeSpan.FromSeconds(90)),
            AgentJsonContext.Default.TaskResult);
        Assert.True(result.Success, $"{result.Step}: {result.Error}\n{string.Join('\n', result.LogTail)}");
    }

    private static async Task BootAndCheckAsync(QemuMachine vm, FakeAppliance appliance, Support.TestImage os, TimeSpan budget)
    {
        var start = await vm.Console.WaitForAsync("agent-start", budget);
        Assert.Equal(Mac, start["bootif"]);
        var hello = await appliance.WaitForCallAsync("POST", AgentApi.Hello, budget);
        Assert.Equal("Bearer boot-token-1", hello.Authorization);
        var request = appliance.Deserialize(hello, AgentJsonContext.Default.HelloRequest);
        Assert.Equal(Mac, request.Mac);
        Assert.Equal(FirmwareMode.Bios, request.Firmware);

        var factsCall = await appliance.WaitForCallAsync("PUT", AgentApi.Facts, budget);
        var facts = appliance.Deserialize(factsCall, AgentJsonContext.Default.HardwareFacts);
        var nic = Assert.Single(facts.Nics);
        Assert.Equal(Mac, nic.Mac);
        Assert.Equal("virtio_net", nic.Driver);
        var vda = Assert.Single(facts.Disks, d => d.Path == "/dev/vda");
        Assert.Equal(64L << 20, vda.SizeBytes);
        Assert.True(facts.MemoryBytes > 512L << 20, $"memory {facts.MemoryBytes}");
        Assert.Equal(1, facts.Cpu.Threads);
        Assert.Equal("QEMU", facts.Dmi.Vendor);
        await vm.Console.WaitForAsync("facts-sent", TimeSpan.FromSeconds(30));

        await DeployAsync(appliance, "t-zst", "/images/os.img.zst", ImageFormat.Zstd, os);
        await DeployAsync(appliance, "t-xz", "/images/os.img.xz", ImageFormat.Xz, os);
        Assert.All(appliance.Calls.Where(c => c.Path.StartsWith("/images/", StringComparison.Ordinal)), c => Assert.Equal("Bearer boot-token-1", c.Authorization));

        appliance.Enqueue(new AgentTask("t-off", AgentTaskKind.Poweroff));
        var result = await appliance.WaitForCallAsync("POST", AgentApi.Result("t-off"), TimeSpan.FromSeconds(60));
        Assert.True(appliance.Deserialize(result, AgentJsonContext.Default.TaskResult).Success);
        Assert.True(await vm.WaitForExitAsync(TimeSpan.FromSeconds(30)), "qemu did not exit after the poweroff task:\n" + vm.Console.Tail(30));
    }
}
