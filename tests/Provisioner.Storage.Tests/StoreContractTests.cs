using System.Net;
using Dapper;
using Provisioner.Core.Boot;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Networking;
using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;
using Provisioner.TestKit;

namespace Provisioner.Storage.Tests;

/// <summary>
/// The storage contract: every provider runs exactly these tests (SQLite and a real PostgreSQL subclass them).
/// Each test gets a fresh, migrated database.
/// </summary>
[Trait("Area", "Storage")]
public abstract partial class StoreContractTests : IAsyncLifetime
{
    protected ManualTimeProvider Time { get; } = new(TestData.T0);

    protected ProvisionerStore Store { get; private set; } = null!;

    /// <summary>Opens a fresh, empty store of the provider under test (not migrated).</summary>
    protected abstract Task<ProvisionerStore> OpenFreshStoreAsync();

    /// <summary>Opens a second store on the same database (another appliance or a restart).</summary>
    protected abstract ProvisionerStore OpenSameDatabase();

    public async Task InitializeAsync()
    {
        Store = await OpenFreshStoreAsync();
        await Store.MigrateAsync();
    }

    public async Task DisposeAsync() => await Store.DisposeAsync();

    private static CancellationToken Ct => CancellationToken.None;

    private static string Json<T>(T value) => StoreJson.Serialize(value);

    private async Task<(Zone Zone, Bpod Bpod)> SeedBpodAsync(string zone = "z1", string bpod = "r01")
    {
        var z = TestData.Zone(zone);
        await Store.Zones.AddAsync(z, Ct);
        var b = TestData.Bpod(z.Id, bpod);
        await Store.Bpods.AddAsync(b, Ct);
        return (z, b);
    }

    private Task<IEnumerable<string?>> RawStringsAsync(string sql) => Store.Database.QueryAsync<string?>(sql, null, Ct);

    [Fact]
    public async Task Migrate_FreshDatabase_RecordsKnownVersion()
    {
        Assert.Equal(Store.KnownSchemaVersion, await Store.SchemaVersionAsync());
        Assert.True(Store.KnownSchemaVersion >= 1);
    }

    [Fact]
    public async Task Migrate_SecondTime_ChangesNothing()
    {
        await Store.Zones.AddAsync(TestData.Zone("keep"), Ct);
        await using var again = OpenSameDatabase();
        Assert.Equal(Store.KnownSchemaVersion, await again.MigrateAsync());
        Assert.NotNull(await again.Zones.FindByNameAsync("keep", Ct));
    }

    [Fact]
    public async Task Migrate_DatabaseNewerThanCode_ThrowsSchemaTooNew()
    {
        var newer = Store.KnownSchemaVersion + 1;
        await Store.Database.ExecuteAsync("INSERT INTO schema_version (version, description, applied_at) VALUES (@newer, 'from the future', @at)",
            new { newer, at = TestData.T0 }, Ct);
        await using var again = OpenSameDatabase();
        var e = await Assert.ThrowsAsync<SchemaTooNewException>(() => again.MigrateAsync());
        Assert.Contains($"version {newer}", e.Message, StringComparison.Ordinal);
        Assert.Contains("newer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Zones_AddFindUpdateDelete_RoundTrips()
    {
        var z = TestData.Zone("east");
        await Store.Zones.AddAsync(z, Ct);
        Assert.Equal(Json(z), Json(await Store.Zones.GetAsync(z.Id, Ct)));
        Assert.Equal(Json(z), Json(await Store.Zones.FindByNameAsync("east", Ct)));
        var renamed = z with { Name = "east-2", Description = null };
        await Store.Zones.UpdateAsync(renamed, Ct);
        Assert.Equal(Json(renamed), Json(Assert.Single(await Store.Zones.ListAsync(Ct))));
        await Store.Zones.DeleteAsync(z.Id, Ct);
        Assert.Null(await Store.Zones.GetAsync(z.Id, Ct));
    }

    [Fact]
    public async Task Zones_DuplicateName_ThrowsDuplicate()
    {
        await Store.Zones.AddAsync(TestData.Zone("dup"), Ct);
        await Assert.ThrowsAsync<DuplicateException>(() => Store.Zones.AddAsync(TestData.Zone("dup"), Ct));
    }

    [Fact]
    public async Task Zones_DeleteWithBpods_IsRefused()
    {
        var (z, _) = await SeedBpodAsync();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Store.Zones.DeleteAsync(z.Id, Ct));
        Assert.Contains("BPOD", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bpods_AddAndRead_RoundTripsEveryField()
    {
        var (z, b) = await SeedBpodAsync();
        Assert.Equal(Json(b), Json(await Store.Bpods.GetAsync(b.Id, Ct)));
        Assert.Equal(Json(b), Json(await Store.Bpods.FindByNameAsync(z.Id, "r01", Ct)));
        var other = TestData.Bpod(z.Id, "r02", "10.77.2.0/24");
        await Store.Bpods.AddAsync(other, Ct);
        Assert.Equal(["r01", "r02"], (await Store.Bpods.ListAsync(z.Id, Ct)).Select(x => x.Name));
        Assert.Empty(await Store.Bpods.ListAsync(Guid.NewGuid(), Ct));
        await Assert.ThrowsAsync<DuplicateException>(() => Store.Bpods.AddAsync(TestData.Bpod(z.Id, "r02"), Ct));
        var changed = other with { Mtu = 9000, NamingPattern = "{bpod}-{mac}" };
        await Store.Bpods.UpdateAsync(changed, Ct);
        Assert.Equal(Json(changed), Json(await Store.Bpods.GetAsync(other.Id, Ct)));
    }

    [Fact]
    public async Task Nodes_AddAndRead_RoundTripsEveryFieldWithVersionOne()
    {
        var (_, b) = await SeedBpodAsync();
        var n = TestData.Node(b.Id, "z1-r01-01", "52:54:00:00:00:01", slot: 1) with { HardwareFactsJson = "{\"serial\":\"ABC123\"}" };
        var added = await Store.Nodes.AddAsync(n, Ct);
        Assert.Equal(1, added.Version);
        var expected = Json(n with { Version = 1, UpdatedAt = Time.GetUtcNow() });
        Assert.Equal(expected, Json(await Store.Nodes.GetAsync(n.Id, Ct)));
        Assert.Equal(expected, Json(await Store.Nodes.FindByMacAsync(MacAddress.Parse("52-54-00-00-00-01"), Ct)));
        Assert.Equal(expected, Json(await Store.Nodes.FindByHostnameAsync("Z1-R01-01", Ct)));
        Assert.Null(await Store.Nodes.FindByMacAsync(MacAddress.Parse("52:54:00:00:00:02"), Ct));
    }

    [Fact]
    public async Task Nodes_SameMacTwice_ThrowsDuplicate()
    {
        var (_, b) = await SeedBpodAsync();
        await Store.Nodes.AddAsync(TestData.Node(b.Id, "a", "52:54:00:00:00:01"), Ct);
        await Assert.ThrowsAsync<DuplicateException>(() => Store.Nodes.AddAsync(TestData.Node(b.Id, "b", "52:54:00:00:00:01"), Ct));
        await Assert.ThrowsAsync<DuplicateException>(() => Store.Nodes.AddAsync(TestData.Node(b.Id, "A", "52:54:00:00:00:09"), Ct));
        Assert.Equal(1, (await Store.Nodes.ListAsync(new NodeQuery(), Ct)).Total);
    }

    [Fact]
    public async Task Nodes_ConcurrentAddOfOneMac_OnlyOneSucceeds()
    {
        var (_, b) = await SeedBpodAsync();
        var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await Store.Nodes.AddAsync(TestData.Node(b.Id, $"n{i}", "52:54:00:aa:bb:cc"), Ct);
                return true;
            }
            catch (DuplicateException)
            {
                return false;
            }
        })).ToArray();
        var results = await Task.WhenAll(attempts);
        Assert.Equal(1, results.Count(r => r));
    }

    [Fact]
    public async Task Nodes_UpdateFromStaleVersion_ThrowsConcurrency()
    {
        var (_, b) = await SeedBpodAsync();
        var v1 = await Store.Nodes.AddAsync(TestData.Node(b.Id, "n1", "52:54:00:00:00:01"), Ct);
        var v2 = await Store.Nodes.UpdateAsync(v1.WithTransition(NodeAction.Commission), Ct);
        Assert.Equal(2, v2.Version);
        var e = await Assert.ThrowsAsync<ConcurrencyException>(() => Store.Nodes.UpdateAsync(v1 with { Hostname = "stale" }, Ct));
        Assert.Contains("n1", e.Message, StringComparison.Ordinal);
        var stored = await Store.Nodes.GetAsync(v1.Id, Ct);
        Assert.Equal(NodeState.Commissioning, stored!.State);
        Assert.Equal("n1", stored.Hostname);
    }

    [Fact]
    public async Task Nodes_ConcurrentWritersOfOneVersion_ExactlyOneWins()
    {
        var (_, b) = await SeedBpodAsync();
        var v1 = await Store.Nodes.AddAsync(TestData.Node(b.Id, "n1", "52:54:00:00:00:01"), Ct);
        var writers = Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            try
            {
                await Store.Nodes.UpdateAsync(v1 with { StateReason = $"writer {i}" }, Ct);
                return true;
            }
            catch (ConcurrencyException)
            {
                return false;
            }
        })).ToArray();
        Assert.Equal(1, (await Task.WhenAll(writers)).Count(w => w));
        Assert.Equal(2, (await Store.Nodes.GetAsync(v1.Id, Ct))!.Version);
    }

    [Fact]
    public async Task Nodes_UpdateChangingMacs_MovesMacIndex()
    {
        var (_, b) = await SeedBpodAsync();
        var n = await Store.Nodes.AddAsync(TestData.Node(b.Id, "n1", "52:54:00:00:00:01"), Ct);
        await Store.Nodes.UpdateAsync(n with { Interfaces = [new NodeInterface(MacAddress.Parse("52:54:00:00:00:02"))] }, Ct);
        Assert.Null(await Store.Nodes.FindByMacAsync(MacAddress.Parse("52:54:00:00:00:01"), Ct));
        Assert.Equal(n.Id, (await Store.Nodes.FindByMacAsync(MacAddress.Parse("52:54:00:00:00:02"), Ct))!.Id);
        await Store.Nodes.AddAsync(TestData.Node(b.Id, "n2", "52:54:00:00:00:01"), Ct);
    }

    [Fact]
    public async Task Nodes_Delete_FreesMacAndHostname()
    {
        var (_, b) = await SeedBpodAsync();
        var n = await Store.Nodes.AddAsync(TestData.Node(b.Id, "n1", "52:54:00:00:00:01"), Ct);
        await Store.Nodes.DeleteAsync(n.Id, Ct);
        Assert.Null(await Store.Nodes.GetAsync(n.Id, Ct));
        await Store.Nodes.AddAsync(TestData.Node(b.Id, "n1", "52:54:00:00:00:01"), Ct);
    }

    [Fact]
    public async Task Nodes_List_FiltersCombineAndPage()
    {
        var (z, b1) = await SeedBpodAsync();
        var b2 = TestData.Bpod(z.Id, "r02", "10.77.2.0/24");
        await Store.Bpods.AddAsync(b2, Ct);
        for (var i = 1; i <= 5; i++)
        {
            var n = TestData.Node(i <= 3 ? b1.Id : b2.Id, $"node-{i:00}", $"52:54:00:00:00:{i:x2}", i) with
            {
                Tags = i % 2 == 0 ? ["even"] : ["odd"],
                State = i == 5 ? NodeState.Ready : NodeState.New,
                HardwareFactsJson = $"{{\"serial\":\"SN-{i}00\"}}",
            };
            await Store.Nodes.AddAsync(n, Ct);
        }

        Assert.Equal(5, (await Store.Nodes.ListAsync(new NodeQuery { ZoneId = z.Id }, Ct)).Total);
        Assert.Empty((await Store.Nodes.ListAsync(new NodeQuery { ZoneId = Guid.NewGuid() }, Ct)).Items);
        Assert.Equal(["node-04", "node-05"], (await Store.Nodes.ListAsync(new NodeQuery { BpodId = b2.Id }, Ct)).Items.Select(n => n.Hostname));
        Assert.Equal(["node-05"], (await Store.Nodes.ListAsync(new NodeQuery { State = NodeState.Ready }, Ct)).Items.Select(n => n.Hostname));
        Assert.Equal(["node-02", "node-04"], (await Store.Nodes.ListAsync(new NodeQuery { Tag = "even" }, Ct)).Items.Select(n => n.Hostname));
        Assert.Equal(["node-03"], (await Store.Nodes.ListAsync(new NodeQuery { Search = "52-54-00-00-00-03" }, Ct)).Items.Select(n => n.Hostname));
        Assert.Equal(["node-04"], (await Store.Nodes.ListAsync(new NodeQuery { Search = "NODE-04" }, Ct)).Items.Select(n => n.Hostname));
        Assert.Equal(["node-02"], (await Store.Nodes.ListAsync(new NodeQuery { Search = "sn-200" }, Ct)).Items.Select(n => n.Hostname));
        Assert.Empty((await Store.Nodes.ListAsync(new NodeQuery { Search = "%" }, Ct)).Items);
        var page = await Store.Nodes.ListAsync(new NodeQuery { Page = new PageRequest(2, 2) }, Ct);
        Assert.Equal(5, page.Total);
        Assert.Equal(["node-03", "node-04"], page.Items.Select(n => n.Hostname));
        Assert.Equal(["node-01", "node-03"],
            (await Store.Nodes.ListAsync(new NodeQuery { BpodId = b1.Id, Tag = "odd", State = NodeState.New }, Ct)).Items.Select(n => n.Hostname));
    }

    [Fact]
    public async Task Nodes_BmcSecret_IsStoredOnlyEncrypted()
    {
        var (_, b) = await SeedBpodAsync();
        var n = await Store.Nodes.AddAsync(TestData.Node(b.Id, "n1", "52:54:00:00:00:01"), Ct);
        Assert.Equal("s3cret-bmc-pw", (await Store.Nodes.GetAsync(n.Id, Ct))!.Bmc!.Secret);
        var raw = (await RawStringsAsync("SELECT bmc FROM nodes")).Concat(await RawStringsAsync("SELECT bmc_secret FROM nodes")).ToList();
        Assert.DoesNotContain(raw, v => v is not null && v.Contains("s3cret", StringComparison.Ordinal));
        Assert.StartsWith(FakeSecretProtector.Prefix, Assert.Single(await RawStringsAsync("SELECT bmc_secret FROM nodes")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secrets_SetGetListDelete_StoresCiphertextOnly()
    {
        await Store.Secrets.SetAsync("chef-validator", "-----BEGIN KEY----- plain", Ct);
        await Store.Secrets.SetAsync("tor-community", "public-ish", Ct);
        await Store.Secrets.SetAsync("tor-community", "private-now", Ct);
        Assert.Equal("-----BEGIN KEY----- plain", await Store.Secrets.GetAsync("chef-validator", Ct));
        Assert.Equal("private-now", await Store.Secrets.GetAsync("tor-community", Ct));
        Assert.Equal(["chef-validator", "tor-community"], await Store.Secrets.ListNamesAsync(Ct));
        var raw = (await RawStringsAsync("SELECT value FROM secrets")).ToList();
        Assert.All(raw, v => Assert.StartsWith(FakeSecretProtector.Prefix, v!, StringComparison.Ordinal));
        Assert.DoesNotContain(raw, v => v!.Contains("plain", StringComparison.Ordinal) || v.Contains("private-now", StringComparison.Ordinal));
        await Store.Secrets.DeleteAsync("chef-validator", Ct);
        Assert.Null(await Store.Secrets.GetAsync("chef-validator", Ct));
    }

    [Fact]
    public async Task NodeHistory_Appended_ReadsBackOldestFirstWithinLimit()
    {
        var (_, b) = await SeedBpodAsync();
        var n = await Store.Nodes.AddAsync(TestData.Node(b.Id, "n1", "52:54:00:00:00:01"), Ct);
        for (var i = 0; i < 5; i++)
        {
            await Store.Nodes.AppendHistoryAsync(new NodeHistoryEntry
            {
                NodeId = n.Id, At = TestData.T0.AddMinutes(i), Actor = "ops", Kind = "transition", FromState = NodeState.New, ToState = NodeState.Commissioning,
                Message = $"m{i}",
            }, Ct);
        }

        var last3 = await Store.Nodes.GetHistoryAsync(n.Id, 3, Ct);
        Assert.Equal(["m2", "m3", "m4"], last3.Select(h => h.Message));
        Assert.Equal(TestData.T0.AddMinutes(4), last3[^1].At);
        Assert.Equal(NodeState.Commissioning, last3[0].ToState);
        Assert.Empty(await Store.Nodes.GetHistoryAsync(Guid.NewGuid(), 10, Ct));
    }

    [Fact]
    public async Task Nodes_MaxSlot_IsHighestInBpodOrZero()
    {
        var (z, b) = await SeedBpodAsync();
        Assert.Equal(0, await Store.Nodes.MaxSlotAsync(b.Id, Ct));
        await Store.Nodes.AddAsync(TestData.Node(b.Id, "a", "52:54:00:00:00:01", 7), Ct);
        await Store.Nodes.AddAsync(TestData.Node(b.Id, "b", "52:54:00:00:00:02", 3), Ct);
        Assert.Equal(7, await Store.Nodes.MaxSlotAsync(b.Id, Ct));
        var other = TestData.Bpod(z.Id, "r09", "10.77.9.0/24");
        await Store.Bpods.AddAsync(other, Ct);
        Assert.Equal(0, await Store.Nodes.MaxSlotAsync(other.Id, Ct));
    }

    [Fact]
    public async Task Bpods_DeleteWithNodes_IsRefused()
    {
        var (_, b) = await SeedBpodAsync();
        await Store.Nodes.AddAsync(TestData.Node(b.Id, "a", "52:54:00:00:00:01"), Ct);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.Bpods.DeleteAsync(b.Id, Ct));
    }

    [Fact]
    public async Task Images_AddFindDelete_RoundTripsAndRefusesDuplicates()
    {
        var img = new Image
        {
            Id = Guid.NewGuid(), Name = "debian-12", Format = ImageFormat.RawZstd, SizeBytes = 4L << 30, Sha256 = new string('a', 64),
            Location = "debian-12.raw.zst", Description = "bookworm", CreatedAt = TestData.T0,
        };
        await Store.Images.AddAsync(img, Ct);
        Assert.Equal(Json(img), Json(await Store.Images.GetAsync(img.Id, Ct)));
        Assert.Equal(Json(img), Json(await Store.Images.FindByNameAsync("debian-12", Ct)));
        await Assert.ThrowsAsync<DuplicateException>(() => Store.Images.AddAsync(img with { Id = Guid.NewGuid() }, Ct));
        await Store.Images.DeleteAsync(img.Id, Ct);
        Assert.Empty(await Store.Images.ListAsync(Ct));
    }

    [Fact]
    public async Task Images_Update_ReplacesFormatAndLocationKeepingNameAndId()
    {
        var img = new Image
        {
            Id = Guid.NewGuid(), Name = "debian-13", Format = ImageFormat.RawZstd, SizeBytes = 0, Sha256 = new string('b', 64),
            Location = "debian-13.raw.zst", CreatedAt = TestData.T0,
        };
        await Store.Images.AddAsync(img, Ct);
        var imported = img with { Format = ImageFormat.Chunked, SizeBytes = 2L << 30, Location = "debian-13/index.json", Description = "chunked" };

        await Store.Images.UpdateAsync(imported, Ct);

        Assert.Equal(Json(imported), Json(await Store.Images.FindByNameAsync("debian-13", Ct)));
        await Store.Images.DeleteAsync(img.Id, Ct);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.Images.UpdateAsync(imported, Ct));
    }

    [Fact]
    public async Task ProfilesAndClusters_Upsert_ReplacesByIdAndRefusesNameClash()
    {
        var p = new TemplateProfile
        {
            Id = Guid.NewGuid(), Name = "k8s-worker", InstallMethod = InstallMethod.Image,
            Templates = new Dictionary<string, string> { ["user-data"] = "k8s-user-data" }, Variables = new Dictionary<string, string> { ["pods"] = "10.244.0.0/16" },
        };
        await Store.Profiles.UpsertAsync(p, Ct);
        var p2 = p with { Description = "workers" };
        await Store.Profiles.UpsertAsync(p2, Ct);
        Assert.Equal(Json(p2), Json(Assert.Single(await Store.Profiles.ListAsync(Ct))));
        await Assert.ThrowsAsync<DuplicateException>(() => Store.Profiles.UpsertAsync(p with { Id = Guid.NewGuid() }, Ct));
        await Store.Profiles.DeleteAsync(p.Id, Ct);
        Assert.Null(await Store.Profiles.FindByNameAsync("k8s-worker", Ct));

        var c = new Cluster { Id = Guid.NewGuid(), Name = "prod", ApiEndpoint = "10.0.0.10:6443", JoinTokenSecret = "prod-join", JoinTokenExpiresAt = TestData.T0 };
        await Store.Clusters.UpsertAsync(c, Ct);
        Assert.Equal(Json(c), Json(await Store.Clusters.FindByNameAsync("prod", Ct)));
    }

    [Fact]
    public async Task Audit_List_NewestFirstFilteredAndPaged()
    {
        for (var i = 0; i < 4; i++)
        {
            await Store.Audit.AppendAsync(new AuditEvent
            {
                At = TestData.T0.AddSeconds(i), Actor = "alice", Action = "node.update", ObjectType = i < 3 ? "node" : "zone", ObjectId = $"id{i % 2}",
                Source = "cli", Details = $"d{i}",
            }, Ct);
        }

        var nodes = await Store.Audit.ListAsync("node", null, new PageRequest(), Ct);
        Assert.Equal(3, nodes.Total);
        Assert.Equal(["d2", "d1", "d0"], nodes.Items.Select(a => a.Details));
        Assert.Equal(["d2", "d0"], (await Store.Audit.ListAsync("node", "id0", new PageRequest(), Ct)).Items.Select(a => a.Details));
        var page = await Store.Audit.ListAsync(null, null, new PageRequest(1, 2), Ct);
        Assert.Equal(4, page.Total);
        Assert.Equal(["d2", "d1"], page.Items.Select(a => a.Details));
    }

    [Fact]
    public async Task Leases_UpsertBatch_ReplacesByAddress()
    {
        var mac = MacAddress.Parse("52:54:00:00:00:01");
        var l1 = new LeaseRecord
        {
            Address = IPAddress.Parse("10.77.1.100"), Mac = mac, ClientId = "01525400000001", Hostname = "n1", BpodId = Guid.NewGuid(),
            ExpiresAt = TestData.T0.AddHours(1), State = "active", UpdatedAt = TestData.T0,
        };
        var l2 = l1 with { Address = IPAddress.Parse("10.77.1.101"), Mac = MacAddress.Parse("52:54:00:00:00:02"), ClientId = null };
        await Store.Leases.UpsertBatchAsync([l1, l2], Ct);
        var l1b = l1 with { State = "released", UpdatedAt = TestData.T0.AddMinutes(5) };
        await Store.Leases.UpsertBatchAsync([l1b], Ct);
        Assert.Equal(2, (await Store.Leases.LoadAllAsync(Ct)).Count);
        Assert.Equal(Json(l1b), Json(Assert.Single(await Store.Leases.FindByMacAsync(mac, Ct))));
    }

    [Fact]
    public async Task Templates_Versions_FirstIsActiveAndActivateRollsBack()
    {
        var v1 = await Store.Templates.AddVersionAsync("deploy.ipxe", "ipxe", "#!ipxe\nv1", "alice", "first", activate: false, Ct);
        Assert.True(v1.IsActive);
        var v2 = await Store.Templates.AddVersionAsync("deploy.ipxe", "ipxe", "#!ipxe\nv2", "bob", null, activate: false, Ct);
        Assert.False(v2.IsActive);
        Assert.Equal(1, (await Store.Templates.GetActiveAsync("deploy.ipxe", Ct))!.Version);
        var v3 = await Store.Templates.AddVersionAsync("deploy.ipxe", "ipxe", "#!ipxe\nv3", "bob", null, activate: true, Ct);
        Assert.Equal(3, v3.Version);
        Assert.Equal("#!ipxe\nv3", (await Store.Templates.GetActiveAsync("deploy.ipxe", Ct))!.Content);
        await Store.Templates.ActivateAsync("deploy.ipxe", 1, Ct);
        Assert.Equal(1, (await Store.Templates.GetActiveAsync("deploy.ipxe", Ct))!.Version);
        Assert.Equal([1, 2, 3], (await Store.Templates.ListVersionsAsync("deploy.ipxe", Ct)).Select(v => v.Version));
        Assert.Equal("bob", (await Store.Templates.GetVersionAsync("deploy.ipxe", 2, Ct))!.Author);
        Assert.Single(await Store.Templates.ListActiveAsync(Ct));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.Templates.ActivateAsync("deploy.ipxe", 9, Ct));
    }

    [Fact]
    public async Task Users_AndTokens_RoundTrip()
    {
        var u = new User { Id = Guid.NewGuid(), Name = "alice", PasswordHash = "pbkdf2$1$x$y", Role = UserRole.Operator, CreatedAt = TestData.T0 };
        await Store.Users.AddAsync(u, Ct);
        await Assert.ThrowsAsync<DuplicateException>(() => Store.Users.AddAsync(u with { Id = Guid.NewGuid() }, Ct));
        var disabled = u with { Disabled = true, Role = UserRole.Admin };
        await Store.Users.UpdateAsync(disabled, Ct);
        Assert.Equal(Json(disabled), Json(await Store.Users.FindByNameAsync("alice", Ct)));
        Assert.Equal(1, await Store.Users.CountAsync(Ct));
        var t = new ApiToken { Id = Guid.NewGuid(), UserId = u.Id, Name = "ci", TokenHash = new string('b', 64), CreatedAt = TestData.T0 };
        await Store.Users.AddTokenAsync(t, Ct);
        await Store.Users.TouchTokenAsync(t.Id, TestData.T0.AddMinutes(1), Ct);
        await Store.Users.RevokeTokenAsync(t.Id, TestData.T0.AddMinutes(2), Ct);
        var read = await Store.Users.FindTokenByHashAsync(t.TokenHash, Ct);
        Assert.Equal(TestData.T0.AddMinutes(1), read!.LastUsedAt);
        Assert.Equal(TestData.T0.AddMinutes(2), read.RevokedAt);
        Assert.Single(await Store.Users.ListTokensAsync(u.Id, Ct));
        Assert.Single(await Store.Users.ListTokensAsync(null, Ct));
        Assert.Empty(await Store.Users.ListTokensAsync(Guid.NewGuid(), Ct));
    }

    [Fact]
    public async Task BootEvents_ForNode_IncludeEventsOfItsMacsBeforeEnlistment()
    {
        var mac = MacAddress.Parse("52:54:00:00:00:01");
        var nodeId = Guid.NewGuid();
        await Store.BootEvents.AppendAsync(new BootEvent { At = TestData.T0, Mac = mac, Source = BootEventSource.Dhcp, Kind = "discover", Summary = "unknown MAC" }, Ct);
        await Store.BootEvents.AppendAsync(new BootEvent
        {
            At = TestData.T0.AddSeconds(1), NodeId = nodeId, Mac = mac, Source = BootEventSource.Tftp, Kind = "tftp-transfer", Summary = "undionly.kpxe",
            DetailsJson = "{\"bytes\":1}",
        }, Ct);
        await Store.BootEvents.AppendAsync(new BootEvent { At = TestData.T0.AddSeconds(2), Mac = MacAddress.Parse("52:54:00:00:00:99"), Source = BootEventSource.Dhcp, Kind = "discover", Summary = "other" }, Ct);
        var events = await Store.BootEvents.ListForNodeAsync(nodeId, [mac], 10, Ct);
        Assert.Equal(["discover", "tftp-transfer"], events.Select(e => e.Kind));
        Assert.Equal("{\"bytes\":1}", events[1].DetailsJson);
        Assert.Equal(3, (await Store.BootEvents.ListRecentAsync(10, Ct)).Count);
    }
}
