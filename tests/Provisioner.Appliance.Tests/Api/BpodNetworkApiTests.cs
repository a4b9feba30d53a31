using System.Net;
using System.Net.Http.Json;
using Provisioner.Core.Inventory;

namespace Provisioner.Appliance.Tests.Api;

/// <summary>The BPOD network layout through POST/PATCH/GET /api/v1/bpods: stored, returned, and refused field by field.</summary>
[Trait("Area", "Api")]
public sealed class BpodNetworkApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private async Task<Guid> ZoneAsync(HttpClient admin, string name)
    {
        var r = await admin.PostAsJsonAsync("/api/v1/zones", new { name });
        return (await TestAppliance.JsonAsync(r)).GetProperty("id").GetGuid();
    }

    private static object Bpod(Guid zoneId, string name, object? network) => new
    {
        zoneId,
        name,
        provisioningSubnet = "10.66.0.0/24",
        dynamicRangeStart = "10.66.0.100",
        dynamicRangeEnd = "10.66.0.200",
        network,
    };

    [Fact]
    public async Task CreateGetPatch_Layout_RoundTripsAndIsStored()
    {
        using var admin = fixture.App.Client(fixture.AdminToken);
        var zone = await ZoneAsync(admin, "netzone-a");
        var created = await admin.PostAsJsonAsync("/api/v1/bpods", Bpod(zone, "r1", new
        {
            bonds = new[] { new { name = "bond0", mode = "active-backup", members = "names:ens1f0,ens1f1" } },
            vlans = new[] { new { id = 200, link = "bond0", subnet = "10.200.0.0/24", gateway = "10.200.0.1", dnsServers = new[] { "10.200.0.53" }, addressing = "slot", hostOffset = 10 } },
            defaultRouteVlan = "bond0.200",
        }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await TestAppliance.JsonAsync(created)).GetProperty("id").GetGuid();

        var network = (await TestAppliance.JsonAsync(await admin.GetAsync($"/api/v1/bpods/{id}"))).GetProperty("network");
        var bond = network.GetProperty("bonds")[0];
        Assert.Equal(("bond0", "active-backup", "names:ens1f0,ens1f1"),
            (bond.GetProperty("name").GetString(), bond.GetProperty("mode").GetString(), bond.GetProperty("members").GetString()));
        var vlan = network.GetProperty("vlans")[0];
        Assert.Equal("bond0.200", vlan.GetProperty("name").GetString());
        Assert.Equal("slot", vlan.GetProperty("addressing").GetString());
        Assert.Equal(10, vlan.GetProperty("hostOffset").GetInt32());
        Assert.Equal("10.200.0.53", vlan.GetProperty("dnsServers")[0].GetString());
        Assert.Equal("bond0.200", network.GetProperty("defaultRouteVlan").GetString());
        var stored = await fixture.App.Store.Bpods.GetAsync(id, default);
        Assert.Equal(BondMemberRule.ByName("ens1f0", "ens1f1").ToString(), stored!.Network.Bonds[0].Members.ToString());
        Assert.Equal(VlanAddressing.Slot, stored.Network.Vlans[0].Addressing);

        // A PATCH without "network" keeps the layout; "network": {} removes it.
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/v1/bpods/{id}", new { mtu = 9000 })).StatusCode);
        Assert.True((await fixture.App.Store.Bpods.GetAsync(id, default))!.Network.HasLinks());
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/v1/bpods/{id}", new { network = new { } })).StatusCode);
        Assert.False((await fixture.App.Store.Bpods.GetAsync(id, default))!.Network.HasLinks());
    }

    [Fact]
    public async Task Create_InvalidLayout_400NamesEachFieldAndTheBpod()
    {
        using var admin = fixture.App.Client(fixture.AdminToken);
        var zone = await ZoneAsync(admin, "netzone-b");

        var r = await admin.PostAsJsonAsync("/api/v1/bpods", Bpod(zone, "r2", new
        {
            bonds = new[] { new { name = "bond0", mode = "lacp", members = "every" }, new { name = "bond1", mode = "802.3ad", members = "non-pxe" } },
            vlans = new object[]
            {
                new { id = 5000, link = "bond0", subnet = "10.200.0.0/24" },
                new { id = 201, link = "bond7", subnet = "10.201.0.0/24", gateway = "10.202.0.1" },
            },
        }));

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var errors = (await TestAppliance.JsonAsync(r)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("network.bonds[0].members", out var members), errors.ToString());
        Assert.Contains("non-pxe", members[0].GetString(), StringComparison.Ordinal);
        Assert.False(errors.TryGetProperty("network.vlans[0].id", out _), "the layout rules run once every field parses");

        // With the syntax fixed, the layout rules speak, naming the BPOD.
        r = await admin.PostAsJsonAsync("/api/v1/bpods", Bpod(zone, "r2", new
        {
            bonds = new[] { new { name = "bond0", mode = "lacp", members = "indices:1,2" } },
            vlans = new object[]
            {
                new { id = 5000, link = "bond0", subnet = "10.200.0.0/24" },
                new { id = 201, link = "bond7", subnet = "10.201.0.0/24", gateway = "10.202.0.1" },
            },
        }));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        errors = (await TestAppliance.JsonAsync(r)).GetProperty("errors");
        foreach (var field in new[] { "network.bonds[0].mode", "network.vlans[0].id", "network.vlans[1].link", "network.vlans[1].gateway" })
        {
            Assert.True(errors.TryGetProperty(field, out var problem), $"no error for {field}: {errors}");
            Assert.StartsWith("BPOD r2: ", problem[0].GetString(), StringComparison.Ordinal);
        }

        Assert.Null(await fixture.App.Store.Bpods.FindByNameAsync(zone, "r2", default));
    }

    [Fact]
    public async Task Dashboard_NodeAndRackPages_ShowTheLayoutResolvedForTheNode()
    {
        using var admin = fixture.App.Client(fixture.AdminToken);
        var zone = await ZoneAsync(admin, "netzone-c");
        var created = await admin.PostAsJsonAsync("/api/v1/bpods", Bpod(zone, "r3", new
        {
            bonds = new[] { new { name = "bond0", members = "indices:1,2" } },
            vlans = new[] { new { id = 120, link = "bond0", subnet = "10.120.0.0/24" } },
            provisioningLink = "pxe",
        }));
        var bpodId = (await TestAppliance.JsonAsync(created)).GetProperty("id").GetGuid();
        async Task<Guid> NodeAsync(string hostname, string[] macs)
        {
            var r = await admin.PostAsJsonAsync("/api/v1/nodes", new
            {
                hostname, bpodId, assignedIp = "10.66.0." + macs[0][^1], interfaces = macs.Select((m, i) => new { mac = m, isPxe = i == 0 }).ToArray(),
            });
            return (await TestAppliance.JsonAsync(r)).GetProperty("id").GetGuid();
        }

        var full = await NodeAsync("net-full", ["52:54:00:6c:00:01", "52:54:00:6c:00:02", "52:54:00:6c:00:03"]);
        var small = await NodeAsync("net-small", ["52:54:00:6c:00:04"]);

        async Task<string> PageAsync(string path) => WebUtility.HtmlDecode(await admin.GetStringAsync(path));
        var page = await PageAsync($"/nodes/{full}");
        Assert.Contains("id=\"node-network\"", page, StringComparison.Ordinal);
        Assert.Contains("52:54:00:6c:00:02, 52:54:00:6c:00:03", page, StringComparison.Ordinal);
        Assert.Contains("10.120.0.1/24", page, StringComparison.Ordinal);
        var smallPage = await PageAsync($"/nodes/{small}");
        Assert.Contains("Node net-small (BPOD r3), bond bond0: the node has no interface at index 1", smallPage, StringComparison.Ordinal);
        Assert.Contains("bond0 802.3ad · VLAN 120", await PageAsync("/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_DescribesTheLayout()
    {
        using var anonymous = fixture.App.Client();
        var schemas = (await TestAppliance.JsonAsync(await anonymous.GetAsync("/openapi/v1.json"))).GetProperty("components").GetProperty("schemas");

        Assert.True(schemas.GetProperty("BpodRequest").GetProperty("properties").TryGetProperty("network", out _));
        Assert.True(schemas.GetProperty("BpodDto").GetProperty("properties").TryGetProperty("network", out _));
        Assert.True(schemas.GetProperty("VlanRequest").GetProperty("properties").TryGetProperty("hostOffset", out _));
        Assert.True(schemas.GetProperty("BondDto").GetProperty("properties").TryGetProperty("transmitHashPolicy", out _));
    }
}
