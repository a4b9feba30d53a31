using System.Globalization;
using Provisioner.TestKit;
using Provisioner.TestKit.VirtualRack;

// The virtual rack's PXE, live boot and image phases, side by side in one run, for one BIOS machine served by the
// appliance (registered with its BMC, commissioned, then deployed with the chunked test OS) and by the reference:
// dnsmasq (DHCP, router advertisements) + nginx serving the same iPXE script text, kernel and initrd, and answering
// the live agent with fixed replies whose deploy task streams the zstd test OS from nginx. Both print the same console
// markers, so the split is the same: PXE = first console output to the iPXE "booting" line (firmware, DHCP, script,
// kernel and initrd downloads); live boot = to the agent's "network-up" line; image = the agent's deploy task to its
// "image-written" line (stream, decompress, verify). Runs alternate; medians are printed as a Markdown table.
var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
var ours = new List<Phases>();
var reference = new List<Phases>();
for (var i = 0; i < runs; i++)
{
    ours.Add(await OursAsync());
    reference.Add(await ReferenceAsync());
    Console.Error.WriteLine($"run {i + 1}: ours {ours[^1]}, dnsmasq+nginx {reference[^1]}");
}

double Median(IEnumerable<double> xs)
{
    var s = xs.OrderBy(x => x).ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
}

string F(double x) => x.ToString("0.0", CultureInfo.InvariantCulture);
Console.WriteLine($"| phase (median of {runs}) | Provisioner (s) | dnsmasq + nginx (s) | ratio (reference / ours) |");
Console.WriteLine("|---|---|---|---|");
foreach (var (name, pick) in new (string, Func<Phases, double>)[]
         {
             ("PXE (power-on to kernel booting)", p => p.Pxe),
             ("live boot (to the agent's network up)", p => p.Live),
             ("image (deploy task to image written and verified)", p => p.Image),
         })
{
    var (o, r) = (Median(ours.Select(pick)), Median(reference.Select(pick)));
    Console.WriteLine($"| {name} | {F(o)} | {F(r)} | {(r / o).ToString("0.00", CultureInfo.InvariantCulture)} |");
}

return 0;

static async Task<Phases> OursAsync()
{
    await using var rack = await VirtualBpod.StartAsync();
    var machine = await rack.Network.AddMachineWithBmcAsync();
    var node = await rack.RegisterAsync(machine, slot: 1);
    await rack.RegisterTestOsAsync();
    await rack.ActAsync(node, "commission");
    var (pxe, live) = await MeasureBootAsync(machine);
    await rack.WaitForNodeStateAsync(machine.Spec.Mac, "ready", TimeSpan.FromMinutes(5), machine);
    var from = machine.Console.LineCount;
    await rack.ActAsync(node, "deploy", new { image = "test-os", profile = "test-os" });
    return new Phases(pxe, live, await MeasureImageAsync(machine, from));
}

static async Task<Phases> ReferenceAsync()
{
    await using var network = await VirtualRackNetwork.CreateAsync($"{VirtualBpod.ApplianceAddress}/24");
    var www = Directory.CreateTempSubdirectory("rackbench-www-").FullName;
    try
    {
        var liveImage = RepoPaths.Of("images", "live", "out");
        File.Copy(Path.Combine(liveImage, "vmlinuz"), Path.Combine(www, "vmlinuz"));
        File.Copy(Path.Combine(liveImage, "initrd.img"), Path.Combine(www, "initrd.img"));
        var testOs = TestOsImage.Load();
        Directory.CreateDirectory(Path.Combine(www, "images"));
        File.Copy(testOs.ZstdPath, Path.Combine(www, "images", "test-os.raw.zst"));
        var (rawSha, rawSize) = (testOs.RawSha256, testOs.RawSizeBytes);
        // The agent protocol answered with fixed replies (docs/agent-protocol.md); the deploy task is served on every poll,
        // only the first deploy is timed.
        var task = $$$$"""{"id":"ref-deploy","kind":"deploy","deploy":{"image":{"url":"/api/agent/v1/images/test-os.raw.zst","format":"zstd","sha256":"{{{{rawSha}}}}","sizeBytes":{{{{rawSize}}}}},"seed":{"userData":"#cloud-config\\n","metaData":"instance-id: ref\\nlocal-hostname: ref-01\\n"}}}""";
        var agentApi = $$$"""
                    location = /api/agent/v1/hello { default_type application/json; return 200 '{"nodeId":"ref","hostname":"ref-01"}'; }
                    location = /api/agent/v1/task { default_type application/json; return 200 '{{{task}}}'; }
                    location /api/agent/v1/images/ { alias {{{www}}}/images/; }
                    location /api/agent/v1/ { return 204; }
            """;
        var url = $"http://{VirtualBpod.ApplianceAddress}:{VirtualBpod.HttpPort}";
        // The same script our discovery template renders, without a token (nothing answers the agent: only its boot is timed).
        await File.WriteAllTextAsync(Path.Combine(www, "boot.ipxe"), $"""
            #!ipxe
            echo PROVISIONER-IPXE deploy loading live image from {url}/
            kernel {url}/vmlinuz provisioner.url={url} provisioner.token=none BOOTIF=01-${"{"}mac:hexhyp{"}"} console=ttyS0 initrd=initrd.img
            initrd {url}/initrd.img
            echo PROVISIONER-IPXE deploy booting
            boot
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(www, "nginx.conf"), $$"""
            worker_processes 1;
            daemon off;
            pid {{www}}/nginx.pid;
            error_log {{www}}/error.log warn;
            events { worker_connections 64; }
            http {
                access_log off; sendfile on; tcp_nopush on; default_type application/octet-stream;
                client_body_temp_path {{www}}; proxy_temp_path {{www}}; fastcgi_temp_path {{www}}; uwsgi_temp_path {{www}}; scgi_temp_path {{www}};
                server { listen {{VirtualBpod.ApplianceAddress}}:{{VirtualBpod.HttpPort}}; root {{www}};
            {{agentApi}}
                }
            }
            """);
        await network.Namespace.ExecAsync("ip", "-6", "addr", "add", "fd00:77::1/64", "dev", network.Bridge);
        await using var nginx = network.Namespace.Start("nginx", "-c", Path.Combine(www, "nginx.conf"), "-e", Path.Combine(www, "error.log"));
        await using var dnsmasq = network.Namespace.Start("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", $"--interface={network.Bridge}",
            "--bind-interfaces", "--dhcp-authoritative", "--log-dhcp", "--log-facility=-", "--no-ping", "--leasefile-ro", "--dhcp-range=10.77.0.100,10.77.0.199,1h",
            "--dhcp-userclass=set:ipxe,iPXE", $"--dhcp-boot=tag:ipxe,{url}/boot.ipxe", "--dhcp-boot=tag:!ipxe,undionly.kpxe",
            "--enable-tftp", $"--tftp-root={RepoPaths.Of("pxe")}",
            // Router advertisements, as the appliance sends: without them iPXE waits out IPv6 autoconfiguration (about 15 s).
            "--enable-ra", "--dhcp-range=fd00:77::,ra-only");
        var machine = await network.AddMachineAsync();
        await machine.StartAsync();
        var (pxe, live) = await MeasureBootAsync(machine);
        var result = new Phases(pxe, live, await MeasureImageAsync(machine, 0));
        if (Environment.GetEnvironmentVariable("RACKBENCH_LOG") == "1")
        {
            Console.Error.WriteLine(dnsmasq.Stdout + dnsmasq.Stderr);
        }

        return result;
    }
    finally
    {
        Directory.Delete(www, recursive: true);
    }
}

static async Task<(double Pxe, double Live)> MeasureBootAsync(VirtualMachine machine)
{
    var (booting, _) = await machine.Console.WaitForLineAsync(@"PROVISIONER-IPXE \S+ booting", TimeSpan.FromMinutes(4));
    var (up, _) = await machine.Console.WaitForLineAsync("PROVISIONER-EVENT network-up", TimeSpan.FromMinutes(4), booting);
    var lines = machine.Console.Lines;
    // From the machine's first console output (firmware start), the same for a BMC power-on and a direct start.
    return ((lines[booting].At - lines[0].At).TotalSeconds, (lines[up].At - lines[booting].At).TotalSeconds);
}

static async Task<double> MeasureImageAsync(VirtualMachine machine, int fromLine)
{
    var (task, _) = await machine.Console.WaitForLineAsync("PROVISIONER-EVENT task kind=deploy", TimeSpan.FromMinutes(6), fromLine);
    var (written, _) = await machine.Console.WaitForLineAsync("PROVISIONER-EVENT image-written", TimeSpan.FromMinutes(6), task);
    var lines = machine.Console.Lines;
    return (lines[written].At - lines[task].At).TotalSeconds;
}

internal sealed record Phases(double Pxe, double Live, double Image);
