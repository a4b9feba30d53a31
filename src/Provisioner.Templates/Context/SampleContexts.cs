using System.Net;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;

namespace Provisioner.Templates.Context;

/// <summary>
/// Fully populated sample nodes: what validation renders every template against, what the dashboard previews with when
/// no node is chosen, and the golden-file fixtures. Every optional field has a value here, so a strict render touches
/// as much of the schema as a template uses.
/// </summary>
public static class SampleContexts
{
    /// <summary>A public key that parses (ed25519 blob of the right shape); not anyone's key.</summary>
    public const string SampleSshKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGV4YW1wbGUta2V5LW5vdC1mb3ItcmVhbC11c2UtMTIzNDU2 ops@example";

    public static IReadOnlyDictionary<string, TemplateContext> All { get; } = new Dictionary<string, TemplateContext>(StringComparer.Ordinal)
    {
        ["l2-bios-worker"] = Build("l2-bios-worker", BpodNetworkType.L2, BootFirmware.Bios, controlPlane: false),
        ["l3-uefi-worker"] = Build("l3-uefi-worker", BpodNetworkType.L3, BootFirmware.Uefi, controlPlane: false),
        ["l2-uefi-control-plane"] = Build("l2-uefi-control-plane", BpodNetworkType.L2, BootFirmware.Uefi, controlPlane: true),
        ["l3-bios-control-plane"] = Build("l3-bios-control-plane", BpodNetworkType.L3, BootFirmware.Bios, controlPlane: true),
    };

    /// <summary>The sample validation renders with first.</summary>
    public static TemplateContext Default => All["l2-bios-worker"];

    public static TemplateContext Build(string name, BpodNetworkType networkType, BootFirmware firmware, bool controlPlane, string purpose = "deploy")
    {
        var l3 = networkType == BpodNetworkType.L3;
        var zone = new Zone { Id = Guid.Parse("00000000-0000-4000-8000-000000000001"), Name = "dc1", Description = "Sample zone" };
        var subnet = Ipv4Network.Parse(l3 ? "10.78.4.0/24" : "10.77.0.0/24");
        var bpod = new Bpod
        {
            Id = Guid.Parse("00000000-0000-4000-8000-000000000002"),
            ZoneId = zone.Id,
            Name = l3 ? "r04" : "r01",
            NetworkType = networkType,
            ProvisioningSubnet = subnet,
            Gateway = subnet.Host(1),
            DnsServers = [IPAddress.Parse("10.0.0.53"), IPAddress.Parse("10.0.1.53")],
            NtpServers = [IPAddress.Parse("10.0.0.123")],
            DomainName = "dc1.example.net",
            DynamicRangeStart = subnet.Host(100),
            DynamicRangeEnd = subnet.Host(200),
            RelayAddresses = l3 ? [subnet.Host(1)] : [],
            Mtu = l3 ? 9000 : 1500,
            Network = SampleLayout(l3, controlPlane),
        };
        var slot = controlPlane ? 1 : 7;
        var node = new Node
        {
            Id = Guid.Parse(controlPlane ? "00000000-0000-4000-8000-0000000000c1" : "00000000-0000-4000-8000-0000000000a7"),
            Hostname = $"dc1-{bpod.Name}-{slot:00}",
            BpodId = bpod.Id,
            Slot = slot,
            Interfaces =
            [
                new NodeInterface(MacAddress.Parse($"52:54:00:77:00:{slot:x2}"), "eno1", IsPxe: true),
                new NodeInterface(MacAddress.Parse($"52:54:00:77:01:{slot:x2}"), "eno2"),
            ],
            AssignedIp = subnet.Host(20 + slot),
            HardwareFactsJson = """{"cpu":{"vendor":"GenuineIntel","cores":16},"memoryMiB":65536,"disks":[{"name":"sda","sizeBytes":480103981056}],"serial":"SN-0042"}""",
            Tags = controlPlane ? ["k8s", "control-plane"] : ["k8s", "worker"],
            SystemUuid = Guid.Parse("4c4c4544-0042-3010-8058-b3c04f4a3332"),
            State = Core.Lifecycle.NodeState.Deploying,
            Deploy = new DeploySettings { Variables = new Dictionary<string, string> { ["chef_environment"] = "production" } },
        };
        var profile = new TemplateProfile
        {
            Id = Guid.Parse("00000000-0000-4000-8000-000000000003"),
            Name = controlPlane ? "k8s-control-plane" : "k8s-worker",
            InstallMethod = InstallMethod.Image,
            Variables = new Dictionary<string, string>
            {
                ["chef_server_url"] = "https://chef.dc1.example.net/organizations/ops",
                ["chef_run_list"] = "role[base],role[k8s-node]",
                ["chef_environment"] = "staging",
                ["chef_validator_secret"] = "chef-validator",
                ["timezone"] = "UTC",
                ["kubernetes_version"] = "1.31",
                ["installer_kernel_url"] = "http://mirror.dc1.example.net/rocky/9/BaseOS/x86_64/os/images/pxeboot/vmlinuz",
                ["installer_initrd_url"] = "http://mirror.dc1.example.net/rocky/9/BaseOS/x86_64/os/images/pxeboot/initrd.img",
                [TemplateContextBuilder.SshKeysVariable] = SampleSshKey,
                [TemplateContextBuilder.RootPasswordSecretVariable] = "root-password",
                [TemplateContextBuilder.DefaultUserVariable] = "ops",
            },
        };
        var cluster = new Cluster
        {
            Id = Guid.Parse("00000000-0000-4000-8000-000000000004"),
            Name = "prod-a",
            ApiEndpoint = "10.0.10.10:6443",
            JoinTokenSecret = "k8s-prod-a-join-token",
            CaCertHash = "sha256:7c2e1e1c2b3f3b0c0b6d4e4e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
            CertificateKeySecret = "k8s-prod-a-certificate-key",
        };
        var image = new Image
        {
            Id = Guid.Parse("00000000-0000-4000-8000-000000000005"),
            Name = "ubuntu-24.04-k8s",
            Format = ImageFormat.RawZstd,
            SizeBytes = 4L * 1024 * 1024 * 1024,
            Sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            Location = "ubuntu-24.04-k8s.raw.zst",
        };
        var network = NodeNetworkResolver.Resolve(bpod, node);
        if (network.Problems.Count > 0)
        {
            throw new InvalidOperationException("Sample " + name + ": " + string.Join(" ", network.Problems));
        }

        return TemplateContextBuilder.Build(new TemplateContextInputs
        {
            Node = node,
            Bpod = bpod,
            Zone = zone,
            Image = image,
            Profile = profile,
            Cluster = cluster,
            ControlPlane = controlPlane,
            ApplianceBaseUrl = l3 ? "http://10.0.0.10:8080" : "http://10.77.0.1:8080",
            BootToken = $"bt-{name}-0123456789abcdef",
            Firmware = firmware,
            Purpose = purpose,
            Bonds = NetworkContexts.Bonds(network),
            Vlans = NetworkContexts.Vlans(network),
        });
    }

    /// <summary>
    /// The samples' rack layout: bond0 (802.3ad) over every interface carrying the provisioning address; VLAN 120 (data)
    /// with the node's provisioning host number; VLAN 130 (storage) addressed by slot. The L2 control-plane sample sends
    /// its default route through VLAN 120, so both default-route paths render.
    /// </summary>
    private static BpodNetworkLayout SampleLayout(bool l3, bool controlPlane)
    {
        var data = Ipv4Network.Parse(l3 ? "10.120.4.0/24" : "10.120.0.0/24");
        var storage = Ipv4Network.Parse(l3 ? "10.130.4.0/24" : "10.130.0.0/24");
        return new BpodNetworkLayout
        {
            Bonds = [new BondDefinition { Name = "bond0", Mode = BondModes.Lacp, Members = BondMemberRule.AllInterfaces, Mtu = l3 ? 9000 : 1500 }],
            Vlans =
            [
                new VlanDefinition
                {
                    Id = 120, Name = "bond0.120", Link = "bond0", Subnet = data, Gateway = l3 || controlPlane ? data.Host(1) : null,
                    Addressing = VlanAddressing.ProvisioningHost,
                },
                new VlanDefinition
                {
                    Id = 130, Name = "bond0.130", Link = "bond0", Subnet = storage, Addressing = VlanAddressing.Slot, HostOffset = 100,
                    DnsServers = [storage.Host(53)],
                },
            ],
            DefaultRouteVlan = !l3 && controlPlane ? "bond0.120" : null,
        };
    }
}
