using System.Globalization;
using Provisioner.TestKit;
using Provisioner.TestKit.VirtualRack;

// PXE and live boot of one blank BIOS machine, side by side in one run: served by the appliance (DHCP + iPXE script +
// live image over HTTP, the machine unknown so it gets the discovery script) and by the reference, dnsmasq (DHCP) +
// nginx (the same iPXE script text, kernel and initrd). Both emit the same console markers, so the split is the same:
// PXE = power-on to the iPXE "booting" line (firmware, DHCP, script, kernel and initrd downloads);
// live boot = to the live agent's "network-up" line. Runs alternate; medians are printed as a Markdown table.
var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
var ours = new List<(double Pxe, double Live)>();
var reference = new List<(double Pxe, double Live)>();
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
var (op, ol, rp, rl) = (Median(ours.Select(o => o.Pxe)), Median(ours.Select(o => o.Live)), Median(reference.Select(r => r.Pxe)), Median(reference.Select(r => r.Live)));
Console.WriteLine($"| phase (median of {runs}) | Provisioner (s) | dnsmasq + nginx (s) | ratio (reference / ours) |");
Console.WriteLine("|---|---|---|---|");
Console.WriteLine($"| PXE (power-on to kernel booting) | {F(op)} | {F(rp)} | {(rp / op).ToString("0.00", CultureInfo.InvariantCulture)} |");
Console.WriteLine($"| live boot (to the agent's network up) | {F(ol)} | {F(rl)} | {(rl / ol).ToString("0.00", CultureInfo.InvariantCulture)} |");
return 0;

static async Task<(double Pxe, double Live)> OursAsync()
{
    await using var rack = await VirtualBpod.StartAsync();
    var machine = await rack.Network.AddMachineAsync();
    return await MeasureAsync(machine);
}

static async Task<(double Pxe, double Live)> ReferenceAsync()
{
    await using var network = await VirtualRackNetwork.CreateAsync($"{VirtualBpod.ApplianceAddress}/24");
    var www = Directory.CreateTempSubdirectory("rackbench-www-").FullName;
    try
    {
        var live = RepoPaths.Of("images", "live", "out");
        File.Copy(Path.Combine(live, "vmlinuz"), Path.Combine(www, "vmlinuz"));
        File.Copy(Path.Combine(live, "initrd.img"), Path.Combine(www, "initrd.img"));
        var url = $"http://{VirtualBpod.ApplianceAddress}:{VirtualBpod.HttpPort}";
        // The same script our discovery template renders, without a token (nothing answers the agent: only its boot is timed).
        await File.WriteAllTextAsync(Path.Combine(www, "boot.ipxe"), $"""
            #!ipxe
            echo PROVISIONER-IPXE discover loading live image from {url}/
            kernel {url}/vmlinuz provisioner.url={url} provisioner.token=none BOOTIF=01-${"{"}mac:hexhyp{"}"} console=ttyS0 initrd=initrd.img
            initrd {url}/initrd.img
            echo PROVISIONER-IPXE discover booting
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
                server { listen {{VirtualBpod.ApplianceAddress}}:{{VirtualBpod.HttpPort}}; root {{www}}; }
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
        var result = await MeasureAsync(machine);
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

static async Task<(double Pxe, double Live)> MeasureAsync(VirtualMachine machine)
{
    var start = DateTimeOffset.UtcNow;
    await machine.StartAsync();
    var (booting, _) = await machine.Console.WaitForLineAsync("PROVISIONER-IPXE discover booting", TimeSpan.FromMinutes(4));
    var (up, _) = await machine.Console.WaitForLineAsync("PROVISIONER-EVENT network-up", TimeSpan.FromMinutes(4), booting);
    var lines = machine.Console.Lines;
    return ((lines[booting].At - start).TotalSeconds, (lines[up].At - lines[booting].At).TotalSeconds);
}
