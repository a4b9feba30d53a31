using Provisioner.Templates.Authoring;
using Provisioner.Templates.Context;
using Provisioner.Templates.Engine;
using Provisioner.Templates.Tests.Fakes;

namespace Provisioner.Templates.Tests.Authoring;

[Trait("Area", "Templates")]
public sealed class TemplateServiceTests
{
    private const string Name = "ipxe/deploy.ipxe";
    private readonly InMemoryTemplateRepository _repository = new();
    private readonly TemplateService _service;

    public TemplateServiceTests() => _service = new TemplateService(_repository, new TemplateEngine());

    [Fact]
    public async Task Save_ValidEditWithActivate_NewActiveVersionWithAuthor()
    {
        await _service.SaveAsync(Name, "#!ipxe\necho v1 {{node.hostname}}\n", "alice", "first", activate: true, CancellationToken.None);

        var result = await _service.SaveAsync(Name, "#!ipxe\necho v2 {{node.hostname}}\n", "bob", "second", activate: true, CancellationToken.None);

        Assert.True(result.Activated);
        Assert.Equal(2, result.Version.Version);
        var active = await _service.GetAsync(Name, null, CancellationToken.None);
        Assert.Equal(2, active!.Version);
        Assert.Equal("bob", active.Author);
        Assert.Equal("ipxe", active.Kind);
        Assert.Equal(["alice", "bob"], (await _service.HistoryAsync(Name, CancellationToken.None)).Select(v => v.Author));
    }

    [Fact]
    public async Task Save_InvalidContent_StoredAsDraftNotActivated()
    {
        await _service.SaveAsync(Name, "#!ipxe\necho ok\n", "alice", null, activate: true, CancellationToken.None);

        var result = await _service.SaveAsync(Name, "#!ipxe\necho {{node.nosuchfield}}\n", "bob", null, activate: true, CancellationToken.None);

        Assert.False(result.Activated);
        Assert.False(result.Report.IsValid);
        var error = Assert.Single(result.Report.Diagnostics, d => d.Line == 2 && d.Message.Contains("nosuchfield", StringComparison.Ordinal));
        Assert.Equal(Name, error.Template);
        Assert.Equal(1, (await _service.GetAsync(Name, null, CancellationToken.None))!.Version);
    }

    [Fact]
    public async Task Activate_InvalidVersion_Refused()
    {
        await _service.SaveAsync(Name, "#!ipxe\necho ok\n", "alice", null, activate: true, CancellationToken.None);
        await _service.SaveAsync(Name, "no shebang {{node.hostname}}\n", "bob", null, activate: false, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<TemplateValidationException>(() => _service.ActivateAsync(Name, 2, CancellationToken.None));

        Assert.Contains(ex.Report.Diagnostics, d => d.Message.Contains("#!ipxe", StringComparison.Ordinal));
        Assert.Equal(1, (await _service.GetAsync(Name, null, CancellationToken.None))!.Version);
    }

    [Fact]
    public async Task Rollback_NoTarget_ActivatesPreviousVersion()
    {
        await _service.SaveAsync(Name, "#!ipxe\necho one\n", "alice", null, activate: true, CancellationToken.None);
        await _service.SaveAsync(Name, "#!ipxe\necho two\n", "alice", null, activate: true, CancellationToken.None);

        var now = await _service.RollbackAsync(Name, null, CancellationToken.None);

        Assert.Equal(1, now);
        Assert.Equal("#!ipxe\necho one\n", (await _service.GetAsync(Name, null, CancellationToken.None))!.Content);
    }

    [Fact]
    public async Task Render_PinnedVersion_UnchangedByLaterEdits()
    {
        await _service.SaveAsync("partials/banner", "banner-v1", "alice", null, activate: true, CancellationToken.None, kind: "partial");
        await _service.SaveAsync(Name, "#!ipxe\necho {{> banner}} one\n", "alice", null, activate: true, CancellationToken.None);
        var started = await _service.Renderer.RenderAsync(Name, SampleContexts.Default, RenderMode.Preview, null, CancellationToken.None);

        await _service.SaveAsync(Name, "#!ipxe\necho {{> banner}} two\n", "bob", null, activate: true, CancellationToken.None);
        await _service.SaveAsync("partials/banner", "banner-v2", "bob", null, activate: true, CancellationToken.None);
        var pinned = await _service.Renderer.RenderPinnedAsync(started.Pin, SampleContexts.Default, RenderMode.Preview, null, CancellationToken.None);
        var current = await _service.Renderer.RenderAsync(Name, SampleContexts.Default, RenderMode.Preview, null, CancellationToken.None);

        Assert.Equal("#!ipxe\necho banner-v1 one\n", started.Output);
        Assert.Equal(started.Output, pinned.Output);
        Assert.Equal("#!ipxe\necho banner-v2 two\n", current.Output);
        Assert.Equal(1, started.Pin.Version);
        Assert.Equal(1, started.Pin.Partials["banner"]);
    }

    [Fact]
    public async Task Render_ScopedOverride_WinsOverDefault()
    {
        await _service.SaveAsync(Name, "#!ipxe\necho default\n", "seed", null, activate: true, CancellationToken.None);
        await _service.SaveAsync("zones/dc1/ipxe/deploy.ipxe", "#!ipxe\necho zone\n", "alice", null, activate: true, CancellationToken.None);
        await _service.SaveAsync("ipxe/deploy.uefi.ipxe", "#!ipxe\necho uefi\n", "alice", null, activate: true, CancellationToken.None);

        var bios = await _service.Renderer.RenderAsync(Name, SampleContexts.All["l2-bios-worker"], RenderMode.Preview, null, CancellationToken.None);
        var otherZone = SampleContexts.All["l3-uefi-worker"] with { Zone = new ZoneContext { Name = "dc2" } };
        var uefi = await _service.Renderer.RenderAsync(Name, otherZone, RenderMode.Preview, null, CancellationToken.None);

        Assert.Equal("#!ipxe\necho zone\n", bios.Output);
        Assert.Equal("#!ipxe\necho uefi\n", uefi.Output);
    }

    [Fact]
    public async Task Preview_TemplateWithSecret_RedactedInOutput()
    {
        await _service.SaveAsync("kubeadm/join.yaml", DefaultTemplateSet.Get("kubeadm/join.yaml").Content, "seed", null, activate: false,
            CancellationToken.None);
        await _service.SaveAsync("partials/kubeadm-join", DefaultTemplateSet.Get("partials/kubeadm-join").Content, "seed", null, activate: true,
            CancellationToken.None, kind: "partial");

        var preview = await _service.PreviewAsync("kubeadm/join.yaml", 1, SampleContexts.All["l2-uefi-control-plane"], CancellationToken.None);

        Assert.Contains("token: \"<secret:k8s-prod-a-join-token>\"", preview.Output, StringComparison.Ordinal);
        Assert.False(preview.ContainsSecrets);
    }

    [Fact]
    public async Task Diff_TwoVersions_UnifiedHunks()
    {
        await _service.SaveAsync(Name, "#!ipxe\na\nb\nc\n", "alice", null, activate: true, CancellationToken.None);
        await _service.SaveAsync(Name, "#!ipxe\na\nB\nc\nd\n", "bob", null, activate: true, CancellationToken.None);

        var diff = await _service.DiffAsync(Name, 1, 2, CancellationToken.None);

        Assert.Equal($"--- {Name}@1\n+++ {Name}@2\n@@ -1,4 +1,5 @@\n #!ipxe\n a\n-b\n+B\n c\n+d\n", diff);
    }
}
