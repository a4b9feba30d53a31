using Provisioner.TestKit;
using Provisioner.TestKit.Appliance;
using YamlDotNet.RepresentationModel;

namespace Provisioner.Appliance.Tests.Templates;

/// <summary>
/// A BPOD network layout created through the REST API, resolved for a registered node and rendered by the real appliance
/// (SQLite store, seeded default templates) into the node's cloud-init network-config.
/// </summary>
[Trait("Area", "Templates")]
public sealed class NetworkConfigOnRealApplianceTests
{
    private const string Pxe = "52:54:00:4e:00:10";
    private const string Data1 = "52:54:00:4e:00:11";
    private const string Data2 = "52:54:00:4e:00:12";

    private static YamlNode At(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            node = int.TryParse(key, out var i) ? ((YamlSequenceNode)node).Children[i] : ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        }

        return node;
    }

    private static string Text(YamlNode node, params string[] path) => ((YamlScalarNode)At(node, path)).Value!;

    [Fact]
    public async Task Preview_NodeInBpodWithBondAndVlans_NetworkConfigHasItsMacsAndDerivedAddresses()
    {
        await using var appliance = await ApplianceProcess.StartAsync(new Dictionary<string, string> { ["Paths:Templates"] = RepoPaths.Of("templates") });
        using var api = new ApplianceApiClient(new HttpClient(), appliance.BaseUrl);
        await api.SetupAdminAsync();
        var zone = await api.PostAsync("api/v1/zones", new { name = "z4" });
        var bpod = await api.PostAsync("api/v1/bpods", new
        {
            zoneId = zone["id"]!.GetValue<string>(),
            name = "r4",
            provisioningSubnet = "10.4.0.0/24",
            gateway = "10.4.0.1",
            dynamicRangeStart = "10.4.0.100",
            dynamicRangeEnd = "10.4.0.150",
            mtu = 9000,
            network = new
            {
                bonds = new[] { new { name = "bond0", mode = "802.3ad", members = "indices:1,2", mtu = 9000 } },
                vlans = new object[]
                {
                    new { id = 120, link = "bond0", subnet = "10.120.4.0/24", gateway = "10.120.4.1", addressing = "provisioning-host" },
                    new { id = 130, name = "storage\"#1", link = "bond0", subnet = "10.130.4.0/24", addressing = "slot", hostOffset = 100, mtu = 9000 },
                },
                provisioningLink = "pxe",
            },
        });
        Assert.Equal("bond0.120", bpod["network"]!["vlans"]![0]!["name"]!.GetValue<string>()); // default name: link.id
        Assert.Equal("indices:1,2", bpod["network"]!["bonds"]![0]!["members"]!.GetValue<string>());
        var node = await api.PostAsync("api/v1/nodes", new
        {
            hostname = "db-07",
            bpodId = bpod["id"]!.GetValue<string>(),
            slot = 7,
            assignedIp = "10.4.0.37",
            interfaces = new[] { new { mac = Pxe, isPxe = true }, new { mac = Data1, isPxe = false }, new { mac = Data2, isPxe = false } },
        });

        var preview = await api.PostAsync("api/v1/templates/preview", new { name = "cloud-init/network-config", nodeId = node["id"]!.GetValue<string>() });

        Assert.Empty(preview["issues"]!.AsArray());
        var stream = new YamlStream();
        stream.Load(new StringReader(preview["rendered"]!.GetValue<string>()));
        var net = At(stream.Documents[0].RootNode, "network");
        var members = ((YamlSequenceNode)At(net, "bonds", "bond0", "interfaces")).Children.Select(c => ((YamlScalarNode)c).Value!).ToList();
        Assert.Equal(["en5254004e0011", "en5254004e0012"], members);
        Assert.Equal([Data1, Data2], members.Select(m => Text(net, "ethernets", m, "match", "macaddress")));
        Assert.Equal("802.3ad", Text(net, "bonds", "bond0", "parameters", "mode"));
        Assert.Equal("10.4.0.37/24", Text(net, "ethernets", "en5254004e0010", "addresses", "0"));
        Assert.Equal("10.120.4.37/24", Text(net, "vlans", "bond0.120", "addresses", "0"));
        Assert.Equal("120", Text(net, "vlans", "bond0.120", "id"));
        Assert.Equal("bond0", Text(net, "vlans", "bond0.120", "link"));
        Assert.Equal("10.130.4.107/24", Text(net, "vlans", "storage\"#1", "addresses", "0"));
        Assert.Equal("9000", Text(net, "vlans", "storage\"#1", "mtu"));

        // A node the layout does not fit still previews, with a warning naming what is missing.
        var small = await api.PostAsync("api/v1/nodes", new
        {
            hostname = "db-08",
            bpodId = bpod["id"]!.GetValue<string>(),
            slot = 8,
            assignedIp = "10.4.0.38",
            interfaces = new[] { new { mac = "52:54:00:4e:00:20", isPxe = true } },
        });
        var partial = await api.PostAsync("api/v1/templates/preview", new { name = "cloud-init/network-config", nodeId = small["id"]!.GetValue<string>() });
        var warning = partial["issues"]!.AsArray().Select(i => i!["message"]!.GetValue<string>()).First();
        Assert.Contains("Node db-08 (BPOD r4), bond bond0: the node has no interface at index 1", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("bonds:", partial["rendered"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
