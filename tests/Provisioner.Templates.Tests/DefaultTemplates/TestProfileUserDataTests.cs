using System.Net;
using System.Net.Sockets;
using System.Text;
using Provisioner.Templates.Context;
using Provisioner.TestKit;

namespace Provisioner.Templates.Tests.DefaultTemplates;

/// <summary>The test OS runs user-data as a plain script with busybox: run the rendered script the same way against a
/// loopback callback listener and check what arrives, hostile values included.</summary>
[Trait("Area", "Templates")]
public sealed class TestProfileUserDataTests
{
    [Fact]
    [Trait("Peer", "busybox")]
    public async Task UserDataTestScript_BusyboxShAndWget_WritesMarkerAndCallsBack()
    {
        var busybox = Peers.Require("busybox");
        var work = Directory.CreateTempSubdirectory("tpl-userdata-").FullName;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        try
        {
            // busybox applets first on PATH, as on the test OS.
            var bin = Directory.CreateDirectory(Path.Combine(work, "bin")).FullName;
            foreach (var applet in new[] { "wget", "timeout", "mkdir", "printf", "sleep" })
            {
                File.CreateSymbolicLink(Path.Combine(bin, applet), busybox);
            }

            var sample = SampleContexts.Default;
            var variables = sample.Profile.Variables.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            variables["marker_dir"] = Path.Combine(work, "state dir");
            var context = sample with
            {
                Node = sample.Node with { Hostname = "node+1 o'neil", Fqdn = "node+1 o'neil.example" },
                Profile = sample.Profile with { Name = "p&q=r $(id)", Variables = variables },
                Appliance = sample.Appliance with { CallbackUrl = $"http://127.0.0.1:{port}/api/agent/callback" },
            };
            var script = await DefaultTemplateSet.RenderAsync("cloud-init/user-data-test.sh", context);
            var scriptPath = Path.Combine(work, "user-data");
            await File.WriteAllTextAsync(scriptPath, script);

            var accept = AcceptOneRequestAsync(listener);
            var run = PeerProcess.RunAsync(busybox, ["sh", "-c", $"PATH={bin}:$PATH; . {scriptPath}"], TimeSpan.FromSeconds(60));
            var requestLine = await accept.WaitAsync(TimeSpan.FromSeconds(60));
            var (exit, stdout, stderr) = await run;

            Assert.True(exit == 0, $"{stdout}\n{stderr}");
            Assert.Contains("PROVISIONER-USERDATA callback ok", stdout, StringComparison.Ordinal);
            var target = requestLine.Split(' ')[1];
            var query = new Uri("http://x" + target).Query.TrimStart('?').Split('&')
                .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]), StringComparer.Ordinal);
            Assert.Equal("node+1 o'neil", query["hostname"]);
            Assert.Equal("p&q=r $(id)", query["profile"]);
            Assert.Equal(sample.Boot.Token, query["token"]);
            Assert.Equal("user-data", query["event"]);
            var marker = await File.ReadAllTextAsync(Path.Combine(work, "state dir", "user-data.done"));
            Assert.Contains("hostname=node+1 o'neil\n", marker, StringComparison.Ordinal);
            Assert.Contains("profile=p&q=r $(id)\n", marker, StringComparison.Ordinal);
        }
        finally
        {
            listener.Stop();
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<string> AcceptOneRequestAsync(TcpListener listener)
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var buffer = new byte[8192];
        var received = new StringBuilder();
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer);
            if (n == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        await stream.WriteAsync("HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray());
        return received.ToString().Split("\r\n")[0];
    }
}
