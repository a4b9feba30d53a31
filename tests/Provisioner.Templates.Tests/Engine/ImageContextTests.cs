using System.Net;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;
using Provisioner.Templates.Context;

namespace Provisioner.Templates.Tests.Engine;

/// <summary>Where a template tells the node to download its image (<c>image.url</c>).</summary>
[Trait("Area", "Templates")]
public sealed class ImageContextTests
{
    private static readonly Zone Zone = new() { Id = Guid.NewGuid(), Name = "dc1" };

    private static readonly Bpod Rack = new()
    {
        Id = Guid.NewGuid(),
        ZoneId = Zone.Id,
        Name = "r01",
        ProvisioningSubnet = Ipv4Network.Parse("10.77.0.0/24"),
        DynamicRangeStart = IPAddress.Parse("10.77.0.100"),
        DynamicRangeEnd = IPAddress.Parse("10.77.0.200"),
    };

    private static readonly Node Machine = new()
    {
        Id = Guid.NewGuid(),
        Hostname = "web-05",
        BpodId = Rack.Id,
        Interfaces = [new NodeInterface(MacAddress.Parse("52:54:00:05:00:00"), "eno1", IsPxe: true)],
    };

    private static string? UrlOf(string location) => TemplateContextBuilder.Build(new TemplateContextInputs
    {
        Node = Machine, Bpod = Rack, Zone = Zone, ApplianceBaseUrl = "http://10.77.0.2:8080", BootToken = "tok+en/1", Purpose = "install",
        Image = new Image { Id = Guid.NewGuid(), Name = "rocky9", Format = ImageFormat.RawZstd, Sha256 = new string('a', 64), Location = location },
    }).Image?.Url;

    [Fact]
    public void LocalImage_ServedUnderTheNodesBootToken_EachSegmentEscaped()
        => Assert.Equal("http://10.77.0.2:8080/boot/images/tok%2Ben%2F1/rocky%209/index.json", UrlOf("rocky 9/index.json"));

    [Fact]
    public void ImageElsewhere_ItsOwnUrl()
        => Assert.Equal("https://mirror.example/rocky9.img.zst", UrlOf("https://mirror.example/rocky9.img.zst"));
}
