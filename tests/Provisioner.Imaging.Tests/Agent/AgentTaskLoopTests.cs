using System.Security.Cryptography;
using Provisioner.Agent;
using Provisioner.Agent.Boot;
using Provisioner.Agent.Diagnostics;
using Provisioner.Agent.Imaging;
using Provisioner.Agent.Power;
using Provisioner.Agent.Processes;
using Provisioner.Agent.Protocol;
using Provisioner.Agent.Seed;
using Provisioner.Agent.Tasks;

namespace Provisioner.Imaging.Tests.Agent;

// Inside Provisioner.Imaging.* the Imaging library's ImageFormat would win: these tests speak the wire protocol.
using ImageFormat = Provisioner.Agent.Protocol.ImageFormat;

/// <summary>The whole agent loop (hello, facts, tasks, results) against the fake appliance on loopback.</summary>
[Trait("Area", "Agent")]
public sealed class AgentTaskLoopTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _disk = Path.Combine(Path.GetTempPath(), $"loop-disk-{Guid.NewGuid():N}.raw");
    private readonly string _journals = Path.Combine(Path.GetTempPath(), $"loop-journal-{Guid.NewGuid():N}");
    private readonly FakePower _power = new();
    private readonly FakeSysfs _root = new();
    private readonly StringWriter _console = new();
    private readonly CancellationTokenSource _stop = new();
    private FakeAppliance _appliance = null!;

    public Task InitializeAsync()
    {
        _appliance = new FakeAppliance("loop-token");
        using var f = File.Create(_disk);
        f.SetLength(16 << 20);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _appliance.DisposeAsync();
        File.Delete(_disk);
        if (Directory.Exists(_journals))
        {
            Directory.Delete(_journals, recursive: true);
        }

        _root.Dispose();
    }

    private sealed class FakePower : IPowerControl
    {
        public List<string> Actions { get; } = [];

        public void PowerOff() => Actions.Add("poweroff");

        public void Reboot() => Actions.Add("reboot");
    }

    private static HardwareFacts Facts(long diskBytes, string disk) => new()
    {
        Cpu = new CpuFacts("Test CPU", 1, 2, 4),
        MemoryBytes = 8L << 30,
        Disks = [new DiskFacts(disk, diskBytes, "disk", "SER1", false, null, false)],
        Nics = [new NicFacts("eth0", "52:54:00:00:00:01", "virtio_net", true, 1000)],
        Dmi = new DmiFacts("QEMU", "Standard PC", null, null),
        Firmware = FirmwareMode.Bios,
        BootMac = "52:54:00:00:00:01",
    };

    private Task<int> StartAgent(string token = "loop-token")
    {
        // An empty root: no /sys/firmware/efi (BIOS), no boot_id (the agent makes one up).
        var options = new AgentOptions { ApplianceUrl = _appliance.BaseUrl, Token = token, BootMac = "52:54:00:00:00:01", ConfigureNetwork = false, TaskWaitSeconds = 1, Root = _root.Root };
        var tail = new LogTail();
        var events = new ConsoleEvents(TextWriter.Synchronized(_console), () => 0);
        var logger = new AgentLogger(TextWriter.Synchronized(_console), tail, () => 0);
        var appliance = new ApplianceClient(options.ApplianceUrl, options.Token);
        var facts = Facts(new FileInfo(_disk).Length, _disk);
        var processes = new ProcessRunner(tail);
        var fs = new Provisioner.Agent.Facts.SysfsReader(_root.Root);
        var transport = new SocketsHttpHandler();
        ITaskHandler[] handlers =
        [
            new CommissionTaskHandler(_ => Task.FromResult(facts), appliance),
            new DeployTaskHandler(() => facts.Disks, new VerifiedImageWriter(transport, options.ApplianceUrl, options.Token, _journals), new NoCloudSeedWriter(processes)),
            new WipeTaskHandler(() => facts.Disks, fs),
            new PowerTaskHandler(AgentTaskKind.Poweroff, _power),
            new PowerTaskHandler(AgentTaskKind.Reboot, _power),
        ];
        var runner = new AgentRunner(options, appliance, _ => Task.FromResult(facts), null,
            new TaskRunner(handlers, appliance, events, tail, TimeProvider.System, logger), events, tail, TimeProvider.System, logger);
        return Task.Run(() => runner.RunAsync(_stop.Token));
    }

    private static byte[] Image(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task Run_HelloFactsDeployThenPoweroff_ReportsEverythingAndWritesTheDisk()
    {
        var image = Image(5 << 20);
        _appliance.Serve("/images/node.raw", image);
        var agent = StartAgent();

        var hello = _appliance.Deserialize(await _appliance.WaitForCallAsync("POST", AgentApi.Hello, Wait), AgentJsonContext.Default.HelloRequest);
        Assert.Equal(new HelloRequest("52:54:00:00:00:01", AgentInfo.Version, FirmwareMode.Bios, hello.BootId), hello);
        var facts = _appliance.Deserialize(await _appliance.WaitForCallAsync("PUT", AgentApi.Facts, Wait), AgentJsonContext.Default.HardwareFacts);
        Assert.Equal("Test CPU", facts.Cpu.Model);

        _appliance.Enqueue(new AgentTask("t1", AgentTaskKind.Deploy,
            new DeployTask(new ImageSource("/images/node.raw", ImageFormat.Raw, Convert.ToHexStringLower(SHA256.HashData(image)), image.Length))));
        var result = _appliance.Deserialize(await _appliance.WaitForCallAsync("POST", AgentApi.Result("t1"), Wait), AgentJsonContext.Default.TaskResult);
        Assert.True(result.Success, result.Error);
        Assert.Equal("done", result.Step);
        Assert.Equal(image, File.ReadAllBytes(_disk)[..image.Length]);
        var progress = _appliance.Calls.Where(c => c.Path == AgentApi.Progress("t1"))
            .Select(c => _appliance.Deserialize(c, AgentJsonContext.Default.TaskProgress)).ToArray();
        Assert.Contains(progress, p => p is { Step: "write-image", BytesDone: 5 << 20, BytesTotal: 5 << 20 });

        _appliance.Enqueue(new AgentTask("t2", AgentTaskKind.Poweroff));
        Assert.Equal(0, await agent.WaitAsync(Wait));
        Assert.Equal(["poweroff"], _power.Actions);
        Assert.True(_appliance.Deserialize(_appliance.Calls.Single(c => c.Path == AgentApi.Result("t2")), AgentJsonContext.Default.TaskResult).Success);
        var console = _console.ToString();
        Assert.Contains("PROVISIONER-EVENT facts-sent", console, StringComparison.Ordinal);
        Assert.Contains("PROVISIONER-EVENT deploy-done id=t1", console, StringComparison.Ordinal);
        Assert.Contains(_appliance.Calls, c => c.Path == AgentApi.Log);
    }

    [Fact]
    public async Task Run_DeployWithWrongChecksum_ReportsFailureWithStepCauseAndLogTail()
    {
        var image = Image(1 << 20);
        _appliance.Serve("/images/node.raw", image);
        _ = StartAgent();
        await _appliance.WaitForCallAsync("PUT", AgentApi.Facts, Wait);

        _appliance.Enqueue(new AgentTask("bad", AgentTaskKind.Deploy, new DeployTask(new ImageSource("/images/node.raw", ImageFormat.Raw, new string('a', 64), image.Length))));
        var result = _appliance.Deserialize(await _appliance.WaitForCallAsync("POST", AgentApi.Result("bad"), Wait), AgentJsonContext.Default.TaskResult);

        Assert.False(result.Success);
        Assert.Equal("write-image", result.Step);
        Assert.StartsWith("image digest mismatch: expected sha256 aaaa", result.Error, StringComparison.Ordinal);
        Assert.Contains(result.LogTail, l => l.Contains("failed in step write-image", StringComparison.Ordinal));
        Assert.DoesNotContain("deploy-done", _console.ToString(), StringComparison.Ordinal);
        Assert.Contains("PROVISIONER-EVENT error task=bad step=write-image", _console.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_DeployToMissingDisk_FailsInSelectDisk()
    {
        _ = StartAgent();
        await _appliance.WaitForCallAsync("PUT", AgentApi.Facts, Wait);

        _appliance.Enqueue(new AgentTask("gone", AgentTaskKind.Deploy,
            new DeployTask(new ImageSource("/images/x.raw", ImageFormat.Raw, new string('a', 64), 1000), TargetDisk: "/dev/does-not-exist")));
        var result = _appliance.Deserialize(await _appliance.WaitForCallAsync("POST", AgentApi.Result("gone"), Wait), AgentJsonContext.Default.TaskResult);

        Assert.False(result.Success);
        Assert.Equal("select-disk", result.Step);
        Assert.StartsWith("target disk /dev/does-not-exist is not available", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ImageLargerThanEveryDisk_FailsNamingTheDisks()
    {
        _ = StartAgent();
        await _appliance.WaitForCallAsync("PUT", AgentApi.Facts, Wait);

        _appliance.Enqueue(new AgentTask("big", AgentTaskKind.Deploy, new DeployTask(new ImageSource("/images/x.raw", ImageFormat.Raw, new string('a', 64), 1L << 40))));
        var result = _appliance.Deserialize(await _appliance.WaitForCallAsync("POST", AgentApi.Result("big"), Wait), AgentJsonContext.Default.TaskResult);

        Assert.False(result.Success);
        Assert.Equal("select-disk", result.Step);
        Assert.Equal($"no non-removable disk of at least {1L << 40} bytes ({_disk} {16 << 20} bytes)", result.Error);
    }

    [Fact]
    public async Task Run_WipeQuickThenFull_ZeroesTheRightBytes()
    {
        await File.WriteAllBytesAsync(_disk, Enumerable.Repeat((byte)0xAB, 16 << 20).ToArray());
        _ = StartAgent();
        await _appliance.WaitForCallAsync("PUT", AgentApi.Facts, Wait);

        _appliance.Enqueue(new AgentTask("wq", AgentTaskKind.Wipe, Wipe: new WipeTask(WipeMode.Quick)));
        var quick = _appliance.Deserialize(await _appliance.WaitForCallAsync("POST", AgentApi.Result("wq"), Wait), AgentJsonContext.Default.TaskResult);
        Assert.True(quick.Success, quick.Error);
        var bytes = await File.ReadAllBytesAsync(_disk);
        Assert.All(bytes[..(1 << 20)], b => Assert.Equal(0, b));
        Assert.All(bytes[^(1 << 20)..], b => Assert.Equal(0, b));
        Assert.All(bytes[(1 << 20)..^(1 << 20)], b => Assert.Equal(0xAB, b));

        _appliance.Enqueue(new AgentTask("wf", AgentTaskKind.Wipe, Wipe: new WipeTask(WipeMode.Full)));
        var full = _appliance.Deserialize(await _appliance.WaitForCallAsync("POST", AgentApi.Result("wf"), Wait), AgentJsonContext.Default.TaskResult);
        Assert.True(full.Success, full.Error);
        Assert.All(await File.ReadAllBytesAsync(_disk), b => Assert.Equal(0, b));
        Assert.Contains(_appliance.Calls.Where(c => c.Path == AgentApi.Progress("wf")).Select(c => _appliance.Deserialize(c, AgentJsonContext.Default.TaskProgress)),
            p => p is { Step: "wipe-full", BytesDone: 16 << 20, BytesTotal: 16 << 20 });
    }

    [Fact]
    public async Task Run_TokenRejected_StopsWithExitCode3AndAClearMessage()
    {
        var agent = StartAgent(token: "expired");

        var rc = await agent.WaitAsync(Wait);

        Assert.Equal(AgentRunner.TokenRejectedExitCode, rc);
        Assert.Contains("PROVISIONER-EVENT error step=auth msg=\"the appliance rejected the boot token (401)", _console.ToString(), StringComparison.Ordinal);
        Assert.Single(_appliance.Calls);
    }

    [Fact]
    public async Task Run_CommissionTask_SendsFactsAgain()
    {
        _ = StartAgent();
        await _appliance.WaitForCallAsync("PUT", AgentApi.Facts, Wait);

        _appliance.Enqueue(new AgentTask("c1", AgentTaskKind.Commission));
        await _appliance.WaitForCallAsync("PUT", AgentApi.Facts, Wait);
        var result = _appliance.Deserialize(await _appliance.WaitForCallAsync("POST", AgentApi.Result("c1"), Wait), AgentJsonContext.Default.TaskResult);

        Assert.True(result.Success);
        Assert.Equal("send-facts", result.Step);
    }
}
