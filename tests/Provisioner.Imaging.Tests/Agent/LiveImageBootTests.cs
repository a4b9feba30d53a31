using Provisioner.Agent.Protocol;
using Provisioner.TestKit;
using Provisioner.TestKit.LiveImage;

namespace Provisioner.Imaging.Tests.Agent;

/// <summary>
/// Boots the built live image (images/live/out) in qemu under TCG with user-mode networking: the guest reaches only
/// the fake appliance on 127.0.0.1 (through a guestfwd address), says hello, sends its facts and powers off on request.
/// </summary>
[Trait("Area", "Agent")]
public sealed class LiveImageBootTests
{
    private const string Mac = "52:54:00:77:00:0a";

    [Fact]
    [Trait("Peer", "qemu")]
    public async Task Boot_LiveImageInQemu_SaysHelloSendsFactsAndPowersOff()
    {
        var image = LiveImageFiles.Locate();
        await using var appliance = new FakeAppliance("boot-token-1");
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
                await BootAndCheckAsync(vm, appliance, budget);
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

    private static async Task BootAndCheckAsync(QemuMachine vm, FakeAppliance appliance, TimeSpan budget)
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

        appliance.Enqueue(new AgentTask("t-off", AgentTaskKind.Poweroff));
        var result = await appliance.WaitForCallAsync("POST", AgentApi.Result("t-off"), TimeSpan.FromSeconds(60));
        Assert.True(appliance.Deserialize(result, AgentJsonContext.Default.TaskResult).Success);
        Assert.True(await vm.WaitForExitAsync(TimeSpan.FromSeconds(30)), "qemu did not exit after the poweroff task:\n" + vm.Console.Tail(30));
    }
}
