using System.Net;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;
using Provisioner.Templates.Context;
using YamlDotNet.RepresentationModel;

namespace Provisioner.Templates.Tests.DefaultTemplates;

/// <summary>cloud-init/network-config rendered from a BPOD network layout (and its variable override), read back as netplan reads it.</summary>
[Trait("Area", "Templates")]
public sealed class NetworkConfigTests
{
    private static readonly Zone Zone = new() { Id = Guid.NewGuid(), Name = "dc1" };

    private static Bpod Rack(BpodNetworkLayout layout) => new()
    {
        Id = Guid.NewGuid(),
        ZoneId = Zone.Id,
        Name = "r01",
        ProvisioningSubnet = Ipv4Network.Parse("10.77.0.0/24"),
        Gateway = IPAddress.Parse("10.77.0.1"),
        DnsServers = [IPAddress.Parse("10.0.0.53")],
        DynamicRangeStart = IPAddress.Parse("10.77.0.100"),
        DynamicRangeEnd = IPAddress.Parse("10.77.0.200"),
        Mtu = 9000,
        Network = layout,
    };

    private static Node Machine(Dictionary<string, string>? variables = null) => new()
    {
        Id = Guid.NewGuid(),
        Hostname = "web-05",
        BpodId = Guid.NewGuid(),
        Slot = 5,
        AssignedIp = IPAddress.Parse("10.77.0.25"),
        Interfaces =
        [
            new NodeInterface(MacAddress.Parse("52:54:00:05:00:00"), "eno1", IsPxe: true),
            new NodeInterface(MacAddress.Parse("52:54:00:05:00:01")),
            new NodeInterface(MacAddress.Parse("52:54:00:05:00:02")),
        ],
        Deploy = new DeploySettings { Variables = variables ?? new Dictionary<string, string>() },
    };

    private static VlanDefinition Vlan(int id, string name, string subnet, string link = "bond0") =>
        new() { Id = id, Name = name, Link = link, Subnet = Ipv4Network.Parse(subnet) };

    /// <summary>The node's context as the appliance builds it: the layout resolved for the node, passed as bonds and VLANs.</summary>
    private static TemplateContext ContextFor(Bpod bpod, Node node)
    {
        var network = NodeNetworkResolver.Resolve(bpod, node);
        Assert.Empty(network.Problems);
        return TemplateContextBuilder.Build(new TemplateContextInputs
        {
            Node = node, Bpod = bpod, Zone = Zone, ApplianceBaseUrl = "http://10.77.0.2:8080", BootToken = "tok", Purpose = "deploy",
            Bonds = NetworkContexts.Bonds(network), Vlans = NetworkContexts.Vlans(network),
        });
    }

    private static async Task<YamlMappingNode> NetplanAsync(TemplateContext context)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(await DefaultTemplateSet.RenderAsync("cloud-init/network-config", context)));
        return (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("network")];
    }

    private static YamlNode At(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            node = int.TryParse(key, out var i) ? ((YamlSequenceNode)node).Children[i] : ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        }

        return node;
    }

    private static string Text(YamlNode node, params string[] path) => ((YamlScalarNode)At(node, path)).Value!;

    private static bool Has(YamlNode node, params string[] path)
    {
        var parent = (YamlMappingNode)At(node, path[..^1]);
        return parent.Children.ContainsKey(new YamlScalarNode(path[^1]));
    }

    private static IEnumerable<string> Keys(YamlNode node, params string[] path) =>
        ((YamlMappingNode)At(node, path)).Children.Keys.Cast<YamlScalarNode>().Select(k => k.Value!);

    [Fact]
    public async Task Render_BondOverDataNicsWithTwoVlans_MembersAndDerivedAddresses()
    {
        var bpod = Rack(new BpodNetworkLayout
        {
            Bonds = [new BondDefinition { Name = "bond0", Members = BondMemberRule.NonPxeInterfaces, LacpRate = "slow" }],
            Vlans =
            [
                Vlan(120, "bond0.120", "10.120.0.0/24") with { Gateway = IPAddress.Parse("10.120.0.1"), DnsServers = [IPAddress.Parse("10.120.0.53")] },
                Vlan(130, "bond0.130", "10.130.0.0/24") with { Addressing = VlanAddressing.Slot, HostOffset = 100, Mtu = 1500 },
            ],
            ProvisioningLink = "pxe",
        });

        var net = await NetplanAsync(ContextFor(bpod, Machine()));

        Assert.Equal(["en525400050001", "en525400050002"], ((YamlSequenceNode)At(net, "bonds", "bond0", "interfaces")).Children.Select(c => ((YamlScalarNode)c).Value));
        Assert.Equal("52:54:00:05:00:01", Text(net, "ethernets", "en525400050001", "match", "macaddress"));
        Assert.Equal("slow", Text(net, "bonds", "bond0", "parameters", "lacp-rate"));
        Assert.Equal("layer3+4", Text(net, "bonds", "bond0", "parameters", "transmit-hash-policy"));
        Assert.Equal("false", Text(net, "bonds", "bond0", "dhcp4"));
        // The PXE NIC carries the provisioning address and the only default route.
        Assert.Equal("10.77.0.25/24", Text(net, "ethernets", "en525400050000", "addresses", "0"));
        Assert.Equal("10.77.0.1", Text(net, "ethernets", "en525400050000", "routes", "0", "via"));
        Assert.Equal("10.120.0.25/24", Text(net, "vlans", "bond0.120", "addresses", "0"));
        Assert.Equal("10.120.0.53", Text(net, "vlans", "bond0.120", "nameservers", "addresses", "0"));
        Assert.False(Has(net, "vlans", "bond0.120", "routes"));
        Assert.Equal("10.130.0.105/24", Text(net, "vlans", "bond0.130", "addresses", "0"));
        Assert.Equal("1500", Text(net, "vlans", "bond0.130", "mtu"));
        Assert.Equal("bond0", Text(net, "vlans", "bond0.130", "link"));
    }

    [Fact]
    public async Task Render_DefaultRouteOnVlan_ProvisioningBondHasNoDefaultRoute()
    {
        var bpod = Rack(new BpodNetworkLayout
        {
            Bonds = [new BondDefinition { Name = "bond0", Mode = BondModes.ActiveBackup, Members = BondMemberRule.AllInterfaces }],
            Vlans = [Vlan(120, "bond0.120", "10.120.0.0/24") with { Gateway = IPAddress.Parse("10.120.0.1") }],
            DefaultRouteVlan = "bond0.120",
        });

        var net = await NetplanAsync(ContextFor(bpod, Machine()));

        Assert.Equal("10.77.0.25/24", Text(net, "bonds", "bond0", "addresses", "0"));
        Assert.False(Has(net, "bonds", "bond0", "routes"));
        Assert.False(Has(net, "bonds", "bond0", "parameters", "lacp-rate"));
        Assert.Equal("10.120.0.1", Text(net, "vlans", "bond0.120", "routes", "0", "via"));
        Assert.Equal("false", Text(net, "ethernets", "en525400050000", "dhcp4"));
    }

    [Fact]
    public async Task Render_VlanOnPxeInterfaceWithDhcp_LinksToThePxeNic()
    {
        var bpod = Rack(new BpodNetworkLayout { Vlans = [Vlan(140, "pxe.140", "10.140.0.0/24", "pxe") with { Addressing = VlanAddressing.Dhcp }] });

        var context = ContextFor(bpod, Machine());
        var net = await NetplanAsync(context);

        Assert.Null(context.Bpod.ProvisioningBond);
        Assert.Equal("en525400050000", Text(net, "vlans", "pxe.140", "link"));
        Assert.Equal("52:54:00:05:00:00", context.Bpod.Vlans[0].LinkMac);
        Assert.Equal("true", Text(net, "vlans", "pxe.140", "dhcp4"));
        Assert.Equal("10.77.0.25/24", Text(net, "ethernets", "en525400050000", "addresses", "0"));
        Assert.False(Has(net, "bonds"));
    }

    [Fact]
    public async Task Render_VariablesSet_OverrideTheBpodLayoutForTheNode()
    {
        var bpod = Rack(new BpodNetworkLayout
        {
            Bonds = [new BondDefinition { Name = "bond0", Members = BondMemberRule.NonPxeInterfaces }],
            Vlans = [Vlan(120, "bond0.120", "10.120.0.0/24")],
        });
        var node = Machine(new Dictionary<string, string>
        {
            [TemplateContextBuilder.BondsVariable] = """[{"name":"bond9","mode":"802.3ad","members":["52:54:00:05:00:02"]}]""",
            [TemplateContextBuilder.VlansVariable] = "[]",
        });

        var context = ContextFor(bpod, node);
        var net = await NetplanAsync(context);

        Assert.Equal(["bond9"], Keys(net, "bonds"));
        Assert.Equal("bond9", context.Bpod.ProvisioningBond); // the first override bond, as before the layout existed
        Assert.Equal("fast", Text(net, "bonds", "bond9", "parameters", "lacp-rate"));
        Assert.Equal("10.77.0.25/24", Text(net, "bonds", "bond9", "addresses", "0"));
        Assert.False(Has(net, "vlans"));
    }

    [Fact]
    public async Task Render_HostileVlanAndBondNames_ComeOutQuotedAsTheSameStrings()
    {
        // Valid Linux interface names may hold quotes and '#'; the override takes any string, ": " included.
        var bpod = Rack(new BpodNetworkLayout
        {
            Bonds = [new BondDefinition { Name = "b'#\"0", Members = BondMemberRule.NonPxeInterfaces }],
            Vlans = [Vlan(120, "v\"1#x-y", "10.120.0.0/24", "b'#\"0")],
        });
        Assert.Empty(bpod.ValidateNetwork());
        var fromLayout = await NetplanAsync(ContextFor(bpod, Machine()));

        Assert.Equal(["v\"1#x-y"], Keys(fromLayout, "vlans"));
        Assert.Equal("b'#\"0", Text(fromLayout, "vlans", "v\"1#x-y", "link"));
        Assert.Equal(["b'#\"0"], Keys(fromLayout, "bonds"));
        Assert.Equal("10.120.0.25/24", Text(fromLayout, "vlans", "v\"1#x-y", "addresses", "0"));

        const string hostile = "key: value # \"not\" a 'comment'";
        var node = Machine(new Dictionary<string, string>
        {
            [TemplateContextBuilder.VlansVariable] = $$"""[{"name":{{System.Text.Json.JsonSerializer.Serialize(hostile)}},"id":7,"link":"- [x]: y","address":"10.7.0.5/24"}]""",
        });
        var fromVariable = await NetplanAsync(ContextFor(Rack(BpodNetworkLayout.Empty), node));

        Assert.Equal([hostile], Keys(fromVariable, "vlans"));
        Assert.Equal("- [x]: y", Text(fromVariable, "vlans", hostile, "link"));
        Assert.Equal("7", Text(fromVariable, "vlans", hostile, "id"));
    }
}
