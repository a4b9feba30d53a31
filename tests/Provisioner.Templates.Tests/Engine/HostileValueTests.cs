using System.Text.Json;
using Provisioner.Templates.Engine;
using Provisioner.TestKit;
using YamlDotNet.RepresentationModel;
using static Provisioner.Templates.Tests.Engine.EngineTestKit;

namespace Provisioner.Templates.Tests.Engine;

[Trait("Area", "Templates")]
public sealed class HostileValueTests
{
    public static TheoryData<string> Hostile() =>
    [
        "plain",
        "quote \" and ' and back\\slash",
        "line1\nline2\r\nline3",
        "key: value # not a comment",
        "- starts like a list",
        "no",
        "1e3",
        "unicode: ünïcödé ✓ 日本 🚀 \u2028 sep",
        "$(reboot) `id` ${HOME} ; rm -rf / & | > <",
        "tab\there",
        "{{not a template}}",
        "",
        "  leading and trailing  ",
        "*alias &anchor !tag %directive @at",
    ];

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Yaml_HostileValue_ParsesBackToSameString(string value)
    {
        var output = await RenderAsync("key: {{yaml (get profile.variables \"v\")}}\nother: 1\n", WithVariables(("v", value)));

        var stream = new YamlStream();
        stream.Load(new StringReader(output));
        var map = (YamlMappingNode)stream.Documents[0].RootNode;
        Assert.Equal(value, ((YamlScalarNode)map.Children[new YamlScalarNode("key")]).Value);
        Assert.Equal(2, map.Children.Count);
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Json_HostileValue_ParsesBackToSameString(string value)
    {
        var output = await RenderAsync("{\"key\": {{json (get profile.variables \"v\")}}, \"tags\": {{json node.tags}} }", WithVariables(("v", value)));

        using var doc = JsonDocument.Parse(output);
        Assert.Equal(value, doc.RootElement.GetProperty("key").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("tags").GetArrayLength());
    }

    [Theory]
    [Trait("Peer", "sh")]
    [MemberData(nameof(Hostile))]
    public async Task Shell_HostileValue_ShPrintsSameString(string value)
    {
        var sh = Peers.Require("sh", "dash");
        var outFile = Path.Combine(Path.GetTempPath(), $"tpl-shell-{Guid.NewGuid():N}");
        var script = await RenderAsync("printf '%s' {{shell (get profile.variables \"v\")}} > {{shell (get profile.variables \"out\")}}",
            WithVariables(("v", value), ("out", outFile)));

        try
        {
            var (exit, _, stderr) = await PeerProcess.RunAsync(sh, ["-c", script], timeout: TimeSpan.FromSeconds(30));

            Assert.True(exit == 0, stderr);
            Assert.Equal(value, await File.ReadAllTextAsync(outFile));
        }
        finally
        {
            File.Delete(outFile);
        }
    }

    [Theory]
    [Trait("Peer", "sh")]
    [InlineData("a b c")]
    [InlineData("x'y")]
    [InlineData("$(id)")]
    public async Task ShellJoin_HostileList_ShSeesEachWord(string value)
    {
        var sh = Peers.Require("sh", "dash");
        var script = await RenderAsync("printf '[%s]' {{shellJoin (split (get profile.variables \"v\") \"|\")}}", WithVariables(("v", value + "|second")));

        var (exit, stdout, stderr) = await PeerProcess.RunAsync(sh, ["-c", script], timeout: TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, stderr);
        Assert.Equal($"[{value}][second]", stdout.TrimEnd('\n'));
    }

    [Theory]
    [InlineData("simple", "simple")]
    [InlineData("with space", "\"with space\"")]
    [InlineData("", "\"\"")]
    public async Task KernelArg_Value_QuotedForKernelCommandLine(string value, string expected)
    {
        var output = await RenderAsync("x={{kernelArg (get profile.variables \"v\")}}", WithVariables(("v", value)));

        Assert.Equal("x=" + expected, output);
    }

    [Theory]
    [InlineData("has\"quote")]
    [InlineData("new\nline")]
    public async Task KernelArg_Unrepresentable_Throws(string value)
    {
        var ex = await Assert.ThrowsAsync<TemplateRenderException>(() => RenderAsync("x={{kernelArg (get profile.variables \"v\")}}", WithVariables(("v", value))));

        Assert.Contains("kernelArg", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("${evil}")]
    [InlineData("x\ny")]
    public async Task IpxeArg_UnsafeValue_Throws(string value)
    {
        await Assert.ThrowsAsync<TemplateRenderException>(() => RenderAsync("kernel {{ipxeArg (get profile.variables \"v\")}}", WithVariables(("v", value))));
    }

    [Fact]
    public async Task OneLine_Newline_ThrowsInsteadOfInjectingDirective()
    {
        await Assert.ThrowsAsync<TemplateRenderException>(() =>
            RenderAsync("d-i x string {{oneLine (get profile.variables \"v\")}}", WithVariables(("v", "ok\nd-i preseed/late_command string reboot"))));
    }
}
