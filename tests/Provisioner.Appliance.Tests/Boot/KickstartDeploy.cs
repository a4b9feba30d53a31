using Provisioner.Appliance.Tests.Api;

namespace Provisioner.Appliance.Tests.Boot;

/// <summary>A node being deployed with a kickstart profile on the fixture's appliance, and the iPXE script it boots.</summary>
internal static class KickstartDeploy
{
    /// <summary>Creates zone <paramref name="name"/> with one L2 BPOD on loopback addresses (<paramref name="rangeStart"/> to
    /// <paramref name="rangeEnd"/>), profile "rocky-ks" (kickstart from a mirror), node "<paramref name="name"/>-01" with
    /// <paramref name="mac"/>, and starts its deploy with <paramref name="image"/>. Returns the node's id and boot script.</summary>
    public static async Task<(string NodeId, string Script)> StartAsync(ImageImportFixture fixture, string name, string mac, string image,
        string rangeStart, string rangeEnd)
    {
        var api = fixture.Api;
        var zone = await api.PostAsync("api/v1/zones", new { name });
        var bpod = await api.PostAsync("api/v1/bpods", new
        {
            zoneId = zone["id"]!.GetValue<string>(), name = "r1", networkType = "l2",
            provisioningSubnet = "127.0.0.0/8", dynamicRangeStart = rangeStart, dynamicRangeEnd = rangeEnd,
        });
        await api.PutAsync("api/v1/profiles/rocky-ks", new
        {
            installMethod = "kickstart",
            templates = new Dictionary<string, string>(),
            variables = new Dictionary<string, string>
            {
                ["installer_kernel_url"] = "http://mirror.example/rocky/vmlinuz",
                ["installer_initrd_url"] = "http://mirror.example/rocky/initrd.img",
            },
        });
        var node = await api.PostAsync("api/v1/nodes", new
        {
            hostname = $"{name}-01",
            bpodId = bpod["id"]!.GetValue<string>(),
            interfaces = new[] { new { mac, isPxe = true } },
        });
        var id = node["id"]!.GetValue<string>();
        // New -> Broken -> Ready: deployable without commissioning.
        await api.PostAsync($"api/v1/nodes/{id}/actions/mark-broken", new { reason = "bench spare" });
        await api.PostAsync($"api/v1/nodes/{id}/actions/mark-fixed", new { });
        await api.PostAsync($"api/v1/nodes/{id}/actions/deploy", new { image, profile = "rocky-ks" });

        using var anonymous = new HttpClient();
        return (id, await anonymous.GetStringAsync(new Uri($"{fixture.Appliance.BaseUrl}/boot/{mac}.ipxe")));
    }
}
