using Provisioner.Templates.Context;
using Provisioner.Templates.Engine;
using static Provisioner.Templates.Tests.Engine.EngineTestKit;

namespace Provisioner.Templates.Tests.Engine;

[Trait("Area", "Templates")]
public sealed class TemplateEngineTests
{
    [Fact]
    public async Task Render_UnknownVariable_ThrowsWithLine()
    {
        var ex = await Assert.ThrowsAsync<TemplateRenderException>(() => RenderAsync("#!ipxe\necho ok\nkernel {{node.hostnmae}}\n"));

        Assert.Equal(3, ex.Line);
        Assert.Contains("hostnmae", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_UnknownHelper_Throws()
    {
        await Assert.ThrowsAsync<TemplateRenderException>(() => RenderAsync("{{frobnicate node.hostname}}"));
    }

    [Fact]
    public async Task Render_NullFieldPrinted_ThrowsInsteadOfEmpty()
    {
        var context = SampleContexts.Default with { Bpod = SampleContexts.Default.Bpod with { Gateway = null } };

        var ex = await Assert.ThrowsAsync<TemplateRenderException>(() => RenderAsync("gw={{bpod.gateway}}", context));

        Assert.Contains("bpod.gateway", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_NullFieldGuarded_RendersElseBranch()
    {
        var context = SampleContexts.Default with { Bpod = SampleContexts.Default.Bpod with { Gateway = null } };

        Assert.Equal("none", await RenderAsync("{{#if bpod.gateway}}{{bpod.gateway}}{{else}}none{{/if}}", context));
        Assert.Equal("dflt", await RenderAsync("{{default bpod.gateway \"dflt\"}}", context));
    }

    [Fact]
    public async Task Render_SyntaxError_ReportsLineAndColumn()
    {
        var ex = await Assert.ThrowsAsync<TemplateRenderException>(() => RenderAsync("line1\n{{node.hostname}\nline3"));

        Assert.NotNull(ex.Line);
    }

    [Fact]
    public async Task Render_HugeOutput_StoppedBySizeLimit()
    {
        var engine = new TemplateEngine(new TemplateEngineOptions { MaxOutputChars = 10_000 });
        var template = "{{#each node.macs}}{{#each @root.node.macs}}{{#each @root.node.facts.disks}}" + new string('x', 5000) + "{{/each}}{{/each}}{{/each}}";

        await Assert.ThrowsAsync<TemplateLimitException>(() => RenderAsync(template, engine: engine));
    }

    [Fact]
    public async Task Render_LoopWithoutOutput_StoppedByTimeLimit()
    {
        // A clock that moves 1 ms each time it is read: the nested loop below writes nothing, so only the watchdog's
        // ticks on context reads can stop it.
        var engine = new TemplateEngine(new TemplateEngineOptions { TimeLimit = TimeSpan.FromSeconds(1) }, new SteppingTimeProvider());
        var many = Enumerable.Range(0, 300).Select(i => $"t{i}").ToList();
        var context = SampleContexts.Default with { Node = SampleContexts.Default.Node with { Tags = many } };

        var ex = await Assert.ThrowsAsync<TemplateLimitException>(() =>
            RenderAsync("{{#each node.tags}}{{#each @root.node.tags}}{{#each @root.node.tags}}{{/each}}{{/each}}{{/each}}", context, engine));

        Assert.Contains("longer than 1000 ms", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_RecursivePartial_StoppedWithError()
    {
        var partials = new[] { new TemplateSource("partials/loop", 1, "x{{> loop}}") };

        await Assert.ThrowsAnyAsync<TemplateRenderException>(() => RenderAsync("{{> loop}}", partials: partials));
    }

    [Fact]
    public async Task Render_Cancelled_Throws()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new TemplateEngine().RenderAsync(
            new TemplateSource("t", 1, "{{#each node.tags}}{{this}}{{/each}}"), [], SampleContexts.Default, RenderMode.Preview, null, cts.Token));
    }

    [Fact]
    public async Task Render_SecretInPreview_RedactedAndNeverResolved()
    {
        var secrets = new DictionarySecrets(new Dictionary<string, string> { ["chef-validator"] = "-----BEGIN KEY-----" });

        var result = await new TemplateEngine().RenderAsync(new TemplateSource("t", 1, "key={{secret \"chef-validator\"}}"), [],
            SampleContexts.Default, RenderMode.Preview, secrets, CancellationToken.None);

        Assert.Equal("key=<secret:chef-validator>", result.Output);
        Assert.Empty(secrets.Requested);
        Assert.False(result.ContainsSecrets);
        Assert.Equal(["chef-validator"], result.SecretsUsed);
    }

    [Fact]
    public async Task Render_SecretInServe_ResolvedThroughResolver()
    {
        var secrets = new DictionarySecrets(new Dictionary<string, string> { ["k8s-prod-a-join-token"] = "abcdef.0123456789abcdef" });

        var result = await new TemplateEngine().RenderAsync(new TemplateSource("t", 1, "token: {{yaml (secret cluster.tokenSecret)}}"), [],
            SampleContexts.Default, RenderMode.Serve, secrets, CancellationToken.None);

        Assert.Equal("token: \"abcdef.0123456789abcdef\"", result.Output);
        Assert.True(result.ContainsSecrets);
    }

    [Fact]
    public async Task Render_MissingSecretInServe_Throws()
    {
        var secrets = new DictionarySecrets([]);

        await Assert.ThrowsAsync<TemplateRenderException>(() => new TemplateEngine().RenderAsync(new TemplateSource("t", 1, "{{secret \"nope\"}}"), [],
            SampleContexts.Default, RenderMode.Serve, secrets, CancellationToken.None));
    }

    [Theory]
    [InlineData("{{netmask bpod.subnet}}", "255.255.255.0")]
    [InlineData("{{prefixLength \"255.255.252.0\"}}", "22")]
    [InlineData("{{network \"10.1.2.3/16\"}}", "10.1.0.0")]
    [InlineData("{{broadcast \"10.1.2.3/16\"}}", "10.1.255.255")]
    [InlineData("{{nthHost bpod.subnet 1}}", "10.77.0.1")]
    [InlineData("{{nthHost bpod.subnet -1}}", "10.77.0.254")]
    [InlineData("{{cidr node.ip bpod.netmask}}", "10.77.0.27/24")]
    [InlineData("{{ipAddress \"10.0.0.5/24\"}}", "10.0.0.5")]
    [InlineData("{{base64 \"hi\"}}", "aGk=")]
    [InlineData("{{join node.tags \",\"}}", "k8s,worker")]
    [InlineData("{{upper zone.name}}-{{lower \"AbC\"}}", "DC1-abc")]
    [InlineData("{{indent 2 \"a\nb\"}}", "  a\n  b")]
    [InlineData("{{#if (contains node.tags \"worker\")}}w{{/if}}", "w")]
    [InlineData("{{#if (eq (get node.facts \"cpu.vendor\") \"GenuineIntel\")}}intel{{/if}}", "intel")]
    [InlineData("{{get node.facts \"cpu.cores\"}}", "16")]
    [InlineData("{{#if (get node.facts \"gpu.model\")}}gpu{{else}}none{{/if}}", "none")]
    [InlineData("{{urlencode \"a+b c&d\"}}", "a%2Bb%20c%26d")]
    [InlineData("{{#each (sshKeys access.sshAuthorizedKeys)}}{{this}}{{/each}}", Context.SampleContexts.SampleSshKey)]
    public async Task Helper_SampleInput_GivesExpectedOutput(string template, string expected)
    {
        Assert.Equal(expected, await RenderAsync(template));
    }

    [Fact]
    public async Task Sha512cryptHelper_SameNode_IsStableAndVerifies()
    {
        var context = WithVariables(("pw", "hunter2"));

        var first = await RenderAsync("{{sha512crypt (get profile.variables \"pw\")}}", context);
        var second = await RenderAsync("{{sha512crypt (get profile.variables \"pw\")}}", context);

        Assert.Equal(first, second);
        Assert.True(Templates.Crypto.Sha512Crypt.Verify("hunter2", first));
    }

    [Fact]
    public async Task SshKeys_NotAKey_Throws()
    {
        await Assert.ThrowsAsync<TemplateRenderException>(() =>
            RenderAsync("{{#each (sshKeys (get profile.variables \"k\"))}}{{this}}{{/each}}", WithVariables(("k", "-----BEGIN OPENSSH PRIVATE KEY-----"))));
    }
}

internal sealed class SteppingTimeProvider : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Add(ref _ticks, TimeSpan.TicksPerMillisecond);
}
