using Provisioner.Templates.Engine;
using Provisioner.Templates.Lookup;
using Provisioner.Templates.Validation;

namespace Provisioner.Templates.Tests.Validation;

[Trait("Area", "Templates")]
public sealed class TemplateValidatorTests
{
    private static readonly TemplateValidator Validator = new(DefaultTemplateSet.Engine);

    private static Task<ValidationReport> ValidateAsync(string kind, string content, string name = "t") =>
        Validator.ValidateAsync(name, kind, content, DefaultTemplateSet.Partials, CancellationToken.None);

    [Fact]
    public async Task Validate_UnknownField_ErrorWithLineAndColumn()
    {
        var report = await ValidateAsync(TemplateKinds.Ipxe, "#!ipxe\necho {{node.hostname}}\n  kernel {{bpod.gatewy}}\n");

        var error = Assert.Single(report.Diagnostics);
        Assert.Equal((3, 10), (error.Line!.Value, error.Column!.Value));
        Assert.Contains("gatewy", error.Message, StringComparison.Ordinal);
        Assert.Contains("gateway", error.Message, StringComparison.Ordinal); // lists the known fields
    }

    [Fact]
    public async Task Validate_UnknownHelper_Error()
    {
        var report = await ValidateAsync(TemplateKinds.Ipxe, "#!ipxe\n{{shellquote node.hostname}}\n");

        Assert.Contains(report.Diagnostics, d => d.Line == 2 && d.Message.Contains("shellquote", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_UnterminatedTagAtTheEnd_ErrorWithItsLineAndColumn()
    {
        var report = await ValidateAsync(TemplateKinds.Ipxe, "#!ipxe\necho {{node.hostname}}\necho {{node.ip\n");

        Assert.False(report.IsValid);
        Assert.Contains(report.Diagnostics, d => d.Line == 3 && d.Column == 6 && d.Message == "'{{' is never closed with '}}'");
    }

    [Fact]
    public async Task Validate_UnclosedBlock_ErrorAtOpeningLine()
    {
        var report = await ValidateAsync(TemplateKinds.Ipxe, "#!ipxe\n\n{{#if node.ip}}\necho x\n");

        Assert.Contains(report.Diagnostics, d => d.Line == 3 && d.Message.Contains("never closed", StringComparison.Ordinal));
        Assert.False(report.IsValid);
    }

    [Fact]
    public async Task Validate_UnknownPartial_Error()
    {
        var report = await ValidateAsync(TemplateKinds.Ipxe, "#!ipxe\n{{> no-such-partial}}\n");

        Assert.Contains(report.Diagnostics, d => d.Line == 2 && d.Message.Contains("no-such-partial", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_EachElementFieldsAndBlockParams_NoFalsePositives()
    {
        var report = await ValidateAsync(TemplateKinds.Text,
            "{{#each node.interfaces as |nic|}}{{nic.mac}} {{@index}}{{/each}}{{#each bpod.vlans}}{{name}} {{@root.node.hostname}} {{../zone.name}}{{/each}}");

        Assert.Empty(report.Diagnostics);
    }

    [Fact]
    public async Task Validate_ElementFieldTypo_CaughtByStrictRender()
    {
        var report = await ValidateAsync(TemplateKinds.Text, "{{#each bpod.vlans}}{{nmae}}{{/each}}");

        Assert.Contains(report.Diagnostics, d => d.Message.Contains("nmae", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_CloudConfigWithoutHeader_OutputError()
    {
        var report = await ValidateAsync(TemplateKinds.CloudInitUserData, "hostname: {{yaml node.hostname}}\n");

        Assert.Contains(report.Diagnostics, d => d.InOutput && d.Message.Contains("#cloud-config", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_UnquotedYamlBreaks_OutputErrorWithLine()
    {
        var report = await ValidateAsync(TemplateKinds.CloudInitUserData, "#cloud-config\nhostname: {{node.hostname}}\nbad: [unclosed\n");

        Assert.Contains(report.Diagnostics, d => d.InOutput && d.Message.Contains("YAML", StringComparison.Ordinal) && d.Line is not null);
    }

    [Fact]
    public async Task Validate_KubeadmWithoutCaHash_OutputError()
    {
        var report = await ValidateAsync(TemplateKinds.Kubeadm,
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    apiServerEndpoint: {{yaml cluster.endpoint}}\n    token: {{yaml (secret cluster.tokenSecret)}}\n");

        Assert.Contains(report.Diagnostics, d => d.Message.Contains("caCertHashes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_BrokenJson_OutputError()
    {
        var report = await ValidateAsync(TemplateKinds.Json, "{\"a\": {{node.hostname}} }");

        Assert.Contains(report.Diagnostics, d => d.InOutput && d.Message.Contains("JSON", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_KickstartWithoutPackages_OutputError()
    {
        var report = await ValidateAsync(TemplateKinds.Kickstart, "text\nrootpw --lock\nbootloader --location=mbr\n");

        Assert.Contains(report.Diagnostics, d => d.Message.Contains("%packages", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_SyntaxError_ReportsLine()
    {
        var report = await ValidateAsync(TemplateKinds.Text, "ok\n{{node.hostname}\nmore\n");

        Assert.Contains(report.Diagnostics, d => d.Line is not null && d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public async Task Validate_JsonClosingBraceAfterTag_ExplainsTripleBrace()
    {
        var report = await ValidateAsync(TemplateKinds.Json, "{\"tags\": {{json node.tags}}}");

        Assert.Contains(report.Diagnostics, d => d.Line == 1 && d.Message.Contains("}}}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_HugeLoop_ReportsLimit()
    {
        var validator = new TemplateValidator(new TemplateEngine(new TemplateEngineOptions { MaxOutputChars = 1000 }));

        var report = await validator.ValidateAsync("t", TemplateKinds.Text, "{{#each node.macs}}" + new string('x', 2000) + "{{/each}}", [], CancellationToken.None);

        Assert.Contains(report.Diagnostics, d => d.Message.Contains("limit", StringComparison.Ordinal));
    }
}
