using Provisioner.Templates.Context;
using Provisioner.Templates.Engine;
using Provisioner.Templates.Tests.Engine;
using YamlDotNet.RepresentationModel;

namespace Provisioner.Templates.Tests.DefaultTemplates;

/// <summary>The default templates' outputs read back the way the node reads them.</summary>
[Trait("Area", "Templates")]
public sealed class ParsedOutputTests
{
    private static readonly DictionarySecrets Secrets = new(new Dictionary<string, string>
    {
        ["k8s-prod-a-join-token"] = "abcdef.0123456789abcdef",
        ["k8s-prod-a-certificate-key"] = "e6a2eb8581237ab72a4f494f30285ec12a9694d750b9785706a83bfcbbbd2204",
        ["root-password"] = "s3cret pass",
        ["chef-validator"] = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
    });

    private static YamlMappingNode Yaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string At(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            node = int.TryParse(key, out var i) ? ((YamlSequenceNode)node).Children[i] : ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        }

        return ((YamlScalarNode)node).Value!;
    }

    private static bool Has(YamlMappingNode node, string key) => node.Children.ContainsKey(new YamlScalarNode(key));

    [Fact]
    public async Task KubeadmJoin_Worker_JoinConfigurationFields()
    {
        var context = SampleContexts.All["l3-uefi-worker"];

        var doc = Yaml(await DefaultTemplateSet.RenderAsync("kubeadm/join.yaml", context, RenderMode.Serve, Secrets));

        Assert.Equal("JoinConfiguration", At(doc, "kind"));
        Assert.Equal("kubeadm.k8s.io/v1beta3", At(doc, "apiVersion"));
        Assert.Equal("10.0.10.10:6443", At(doc, "discovery", "bootstrapToken", "apiServerEndpoint"));
        Assert.Equal("abcdef.0123456789abcdef", At(doc, "discovery", "bootstrapToken", "token"));
        Assert.Equal(context.Cluster!.CaCertHash, At(doc, "discovery", "bootstrapToken", "caCertHashes", "0"));
        Assert.Equal(context.Node.Hostname, At(doc, "nodeRegistration", "name"));
        Assert.Equal(context.Node.Ip, At(doc, "nodeRegistration", "kubeletExtraArgs", "node-ip"));
        Assert.False(Has(doc, "controlPlane"));
        Assert.Empty(Provisioner.Templates.Validation.KubeadmJoin.Check(doc));
    }

    [Fact]
    public async Task KubeadmJoin_ControlPlane_HasCertificateKeyAndAdvertiseAddress()
    {
        var context = SampleContexts.All["l2-uefi-control-plane"];

        var doc = Yaml(await DefaultTemplateSet.RenderAsync("kubeadm/join.yaml", context, RenderMode.Serve, Secrets));

        Assert.Equal("e6a2eb8581237ab72a4f494f30285ec12a9694d750b9785706a83bfcbbbd2204", At(doc, "controlPlane", "certificateKey"));
        Assert.Equal(context.Node.Ip, At(doc, "controlPlane", "localAPIEndpoint", "advertiseAddress"));
        Assert.Empty(Provisioner.Templates.Validation.KubeadmJoin.Check(doc));
    }

    [Fact]
    public async Task UserDataKubeadm_Serve_PrerequisitesAndEmbeddedJoinConfig()
    {
        var context = SampleContexts.All["l2-bios-worker"];

        var text = await DefaultTemplateSet.RenderAsync("cloud-init/user-data-kubeadm", context, RenderMode.Serve, Secrets);
        var doc = Yaml(text);

        Assert.StartsWith("#cloud-config\n", text, StringComparison.Ordinal);
        var files = ((YamlSequenceNode)doc.Children[new YamlScalarNode("write_files")]).Children.Cast<YamlMappingNode>()
            .ToDictionary(f => At(f, "path"), f => At(f, "content"));
        Assert.Equal("overlay\nbr_netfilter\n", files["/etc/modules-load.d/k8s.conf"]);
        Assert.Contains("net.ipv4.ip_forward = 1", files["/etc/sysctl.d/99-kubernetes.conf"], StringComparison.Ordinal);
        Assert.Contains("net.bridge.bridge-nf-call-iptables = 1", files["/etc/sysctl.d/99-kubernetes.conf"], StringComparison.Ordinal);
        Assert.Contains("SystemdCgroup = true", files["/etc/containerd/config.toml"], StringComparison.Ordinal);
        var join = Yaml(files["/etc/kubernetes/kubeadm-join.yaml"]);
        Assert.Equal("abcdef.0123456789abcdef", At(join, "discovery", "bootstrapToken", "token"));
        var runcmd = ((YamlSequenceNode)doc.Children[new YamlScalarNode("runcmd")]).Children.Cast<YamlSequenceNode>()
            .Select(c => string.Join(' ', c.Children.Cast<YamlScalarNode>().Select(s => s.Value))).ToList();
        Assert.Equal("swapoff -a", runcmd[0]);
        Assert.Contains("kubeadm join --config /etc/kubernetes/kubeadm-join.yaml", runcmd);
        Assert.True(Templates.Crypto.Sha512Crypt.Verify("s3cret pass", At(doc, "chpasswd", "users", "0", "password")));
    }

    [Fact]
    public async Task UserDataChef_Serve_ValidatorKeyRunListAndClientRb()
    {
        var text = await DefaultTemplateSet.RenderAsync("cloud-init/user-data-chef", SampleContexts.Default, RenderMode.Serve, Secrets);
        var doc = Yaml(text);

        var files = ((YamlSequenceNode)doc.Children[new YamlScalarNode("write_files")]).Children.Cast<YamlMappingNode>()
            .ToDictionary(f => At(f, "path"), f => At(f, "content"));
        Assert.Equal("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n", files["/etc/chef/validation.pem"]);
        using var firstBoot = System.Text.Json.JsonDocument.Parse(files["/etc/chef/first-boot.json"]);
        Assert.Equal(["role[base]", "role[k8s-node]"], firstBoot.RootElement.GetProperty("run_list").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("environment 'production'", files["/etc/chef/client.rb"], StringComparison.Ordinal); // node variable overrides profile
        Assert.Contains("chef-client --once --json-attributes /etc/chef/first-boot.json",
            ((YamlSequenceNode)doc.Children[new YamlScalarNode("runcmd")]).Children.OfType<YamlSequenceNode>()
            .Select(c => string.Join(' ', c.Children.Cast<YamlScalarNode>().Select(s => s.Value))));
    }

    [Fact]
    public async Task NetworkConfig_L3WithBondAndVlan_NetplanStructure()
    {
        var context = SampleContexts.All["l3-uefi-worker"];

        var doc = Yaml(await DefaultTemplateSet.RenderAsync("cloud-init/network-config", context));

        var network = (YamlMappingNode)doc.Children[new YamlScalarNode("network")];
        Assert.Equal("2", At(network, "version"));
        Assert.Equal(context.Node.IpCidr, At(network, "bonds", "bond0", "addresses", "0"));
        Assert.Equal(context.Bpod.Gateway, At(network, "bonds", "bond0", "routes", "0", "via"));
        Assert.Equal("802.3ad", At(network, "bonds", "bond0", "parameters", "mode"));
        Assert.Equal("120", At(network, "vlans", "bond0.120", "id"));
        Assert.Equal("bond0", At(network, "vlans", "bond0.120", "link"));
        Assert.Equal(2, ((YamlMappingNode)network.Children[new YamlScalarNode("ethernets")]).Children.Count);
    }

    [Fact]
    public async Task NetworkConfig_NoBondsNoIp_PxeNicUsesDhcp()
    {
        var sample = SampleContexts.Default;
        var context = sample with
        {
            Node = sample.Node with { Ip = null, IpCidr = null },
            Bpod = sample.Bpod with { Bonds = [], Vlans = [], ProvisioningBond = null, DefaultRouteVlan = null },
        };

        var doc = Yaml(await DefaultTemplateSet.RenderAsync("cloud-init/network-config", context));

        var ethernets = (YamlMappingNode)((YamlMappingNode)doc.Children[new YamlScalarNode("network")]).Children[new YamlScalarNode("ethernets")];
        Assert.Equal("true", At(ethernets, "en525400770007", "dhcp4"));
        Assert.Equal("false", At(ethernets, "en525400770107", "dhcp4"));
    }

    [Fact]
    public async Task MetaData_Sample_InstanceIdAndHostname()
    {
        var doc = Yaml(await DefaultTemplateSet.RenderAsync("cloud-init/meta-data", SampleContexts.Default));

        Assert.Equal(SampleContexts.Default.Node.Id, At(doc, "instance-id"));
        Assert.Equal(SampleContexts.Default.Node.Hostname, At(doc, "local-hostname"));
    }

    [Fact]
    public async Task DiscoverForUnknownMachine_RendersLiveBoot()
    {
        var sample = SampleContexts.Default;
        var bpod = new Core.Inventory.Bpod
        {
            Id = Guid.NewGuid(), ZoneId = Guid.NewGuid(), Name = "r09", ProvisioningSubnet = Core.Networking.Ipv4Network.Parse("10.9.0.0/24"),
            DynamicRangeStart = System.Net.IPAddress.Parse("10.9.0.100"), DynamicRangeEnd = System.Net.IPAddress.Parse("10.9.0.200"),
        };
        var context = TemplateContextBuilder.BuildForUnknownMachine(Core.Networking.MacAddress.Parse("52:54:00:aa:bb:cc"), bpod,
            new Core.Inventory.Zone { Id = bpod.ZoneId, Name = "dc9" }, "http://10.9.0.1:8080", "tok123", BootFirmware.Uefi);

        var output = await DefaultTemplateSet.RenderAsync("ipxe/discover.ipxe", context);

        Assert.Contains("echo PROVISIONER-IPXE discover unknown-525400aabbcc 52:54:00:aa:bb:cc uefi", output, StringComparison.Ordinal);
        Assert.Contains("provisioner.url=http://10.9.0.1:8080 provisioner.token=tok123 ", output, StringComparison.Ordinal);
        Assert.NotEqual(sample.Appliance.BaseUrl, context.Appliance.BaseUrl);
    }
}
