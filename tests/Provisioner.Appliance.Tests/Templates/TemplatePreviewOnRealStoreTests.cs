using Provisioner.TestKit;
using Provisioner.TestKit.Appliance;

namespace Provisioner.Appliance.Tests.Templates;

/// <summary>The template editor's validate and preview in the real appliance (SQLite store, seeded default templates).</summary>
[Trait("Area", "Templates")]
public sealed class TemplatePreviewOnRealStoreTests
{
    [Fact]
    public async Task ValidateAndPreview_RealAppliance_ReportLineAndRenderForTheNode()
    {
        await using var appliance = await ApplianceProcess.StartAsync(new Dictionary<string, string> { ["Paths:Templates"] = RepoPaths.Of("templates") });
        using var api = new ApplianceApiClient(new HttpClient(), appliance.BaseUrl);
        await api.SetupAdminAsync();
        var zone = await api.PostAsync("api/v1/zones", new { name = "z9" });
        var bpod = await api.PostAsync("api/v1/bpods", new
        {
            zoneId = zone["id"]!.GetValue<string>(),
            name = "r9",
            networkType = "l2",
            provisioningSubnet = "10.9.0.0/24",
            dynamicRangeStart = "10.9.0.100",
            dynamicRangeEnd = "10.9.0.150",
        });
        var node = await api.PostAsync("api/v1/nodes", new
        {
            hostname = "web-01",
            bpodId = bpod["id"]!.GetValue<string>(),
            interfaces = new[] { new { mac = "52:54:00:aa:bb:01", isPxe = true } },
        });

        // The seeded defaults are in the store.
        var templates = await api.GetAsync("api/v1/templates");
        Assert.Contains("ipxe/deploy.ipxe", templates.ToJsonString(), StringComparison.Ordinal);

        var bad = await api.PostAsync("api/v1/templates/validate", new { name = "ipxe/x.ipxe", kind = "ipxe", content = "#!ipxe\necho {{node.hostnme}}\n" });
        Assert.False(bad["valid"]!.GetValue<bool>(), bad.ToJsonString());
        Assert.Contains("hostnme", bad.ToJsonString(), StringComparison.Ordinal);

        var preview = await api.PostAsync("api/v1/templates/preview", new
        {
            name = "ipxe/x.ipxe",
            kind = "ipxe",
            content = "#!ipxe\necho {{node.hostname}} {{bpod.name}} {{secret \"chef-validator\"}}\n",
            nodeId = node["id"]!.GetValue<string>(),
        });
        var rendered = preview["rendered"]!.GetValue<string>();
        Assert.Contains("echo web-01 r9 <secret:chef-validator>", rendered, StringComparison.Ordinal);
    }
}
