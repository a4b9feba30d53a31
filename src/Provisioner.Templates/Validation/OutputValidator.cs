using System.Text.Json;
using Provisioner.Templates.Lookup;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Provisioner.Templates.Validation;

/// <summary>Parses rendered output by template kind: a template whose output the target cannot read is not valid.</summary>
public static class OutputValidator
{
    private static readonly string[] KickstartRequired = ["%packages", "rootpw", "bootloader"];

    /// <summary>Problems with <paramref name="output"/> for <paramref name="kind"/> (empty when it parses).</summary>
    public static IReadOnlyList<(string Message, int? Line)> Check(string kind, string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var problems = new List<(string, int?)>();
        switch (kind)
        {
            case TemplateKinds.Ipxe:
                if (!output.StartsWith("#!ipxe", StringComparison.Ordinal))
                {
                    problems.Add(("an iPXE script must start with #!ipxe", 1));
                }

                break;
            case TemplateKinds.CloudInitUserData or TemplateKinds.Autoinstall:
                if (!output.StartsWith("#cloud-config\n", StringComparison.Ordinal))
                {
                    problems.Add(("cloud-init user-data must start with a #cloud-config line", 1));
                }

                if (ParseYaml(output, problems) is { } root)
                {
                    if (root is not YamlMappingNode map)
                    {
                        problems.Add(("cloud-config must be a YAML mapping", 1));
                    }
                    else if (kind == TemplateKinds.Autoinstall && !map.Children.ContainsKey(new YamlScalarNode("autoinstall")))
                    {
                        problems.Add(("autoinstall user-data needs a top-level 'autoinstall' key", 1));
                    }
                }

                break;
            case TemplateKinds.CloudInitMetaData:
                if (ParseYaml(output, problems) is YamlMappingNode meta && !meta.Children.ContainsKey(new YamlScalarNode("instance-id")))
                {
                    problems.Add(("meta-data needs an instance-id", 1));
                }

                break;
            case TemplateKinds.CloudInitNetworkConfig:
                if (ParseYaml(output, problems) is YamlMappingNode net)
                {
                    var inner = net.Children.TryGetValue(new YamlScalarNode("network"), out var n) && n is YamlMappingNode m ? m : net;
                    if (!inner.Children.TryGetValue(new YamlScalarNode("version"), out var v) || v.ToString() is not ("1" or "2"))
                    {
                        problems.Add(("network-config needs version: 1 or 2", 1));
                    }
                }

                break;
            case TemplateKinds.Kubeadm:
                if (ParseYaml(output, problems) is { } doc)
                {
                    problems.AddRange(KubeadmJoin.Check(doc).Select(m => (m, (int?)null)));
                }

                break;
            case TemplateKinds.Json:
                try
                {
                    using var _ = JsonDocument.Parse(output);
                }
                catch (JsonException ex)
                {
                    problems.Add(($"not valid JSON: {ex.Message}", (int?)(ex.LineNumber + 1)));
                }

                break;
            case TemplateKinds.Kickstart:
                foreach (var section in KickstartRequired)
                {
                    if (!output.Split('\n').Any(l => l.TrimStart().StartsWith(section, StringComparison.Ordinal)))
                    {
                        problems.Add(($"kickstart is missing '{section}'", null));
                    }
                }

                if (output.Contains("%packages", StringComparison.Ordinal) &&
                    output.Split('\n').Count(l => l.Trim().StartsWith('%') && l.Trim() != "%end") > output.Split('\n').Count(l => l.Trim() == "%end"))
                {
                    problems.Add(("a kickstart %section is not closed with %end", null));
                }

                break;
            case TemplateKinds.Preseed:
                var lineNo = 0;
                foreach (var line in output.Split('\n'))
                {
                    lineNo++;
                    var t = line.Trim();
                    if (t.Length > 0 && !t.StartsWith('#') && t.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries).Length < 3)
                    {
                        problems.Add(("a preseed line needs 'owner question type [value]'", lineNo));
                    }
                }

                break;
            case TemplateKinds.Shell:
                if (!output.StartsWith("#!", StringComparison.Ordinal))
                {
                    problems.Add(("a script must start with #! (the test OS runs user-data as a script)", 1));
                }

                break;
        }

        return problems;
    }

    private static YamlNode? ParseYaml(string output, List<(string, int?)> problems)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(output));
            return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException ex)
        {
            problems.Add(($"not valid YAML: {ex.Message}", (int?)ex.Start.Line));
            return null;
        }
    }
}

/// <summary>Reads a kubeadm JoinConfiguration and checks the fields a join needs.</summary>
public static class KubeadmJoin
{
    public static IReadOnlyList<string> Check(YamlNode root)
    {
        var problems = new List<string>();
        string? Get(params string[] path)
        {
            YamlNode? node = root;
            foreach (var key in path)
            {
                node = node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;
            }

            return (node as YamlScalarNode)?.Value;
        }

        if (Get("kind") != "JoinConfiguration")
        {
            problems.Add("kind must be JoinConfiguration");
        }

        if (Get("apiVersion") is not { } api || !api.StartsWith("kubeadm.k8s.io/", StringComparison.Ordinal))
        {
            problems.Add("apiVersion must be kubeadm.k8s.io/v1beta3 or later");
        }

        if (string.IsNullOrEmpty(Get("discovery", "bootstrapToken", "apiServerEndpoint")))
        {
            problems.Add("discovery.bootstrapToken.apiServerEndpoint is required");
        }

        if (string.IsNullOrEmpty(Get("discovery", "bootstrapToken", "token")))
        {
            problems.Add("discovery.bootstrapToken.token is required");
        }

        var hashes = root is YamlMappingNode r && r.Children.TryGetValue(new YamlScalarNode("discovery"), out var d) && d is YamlMappingNode dm
                     && dm.Children.TryGetValue(new YamlScalarNode("bootstrapToken"), out var b) && b is YamlMappingNode bm
                     && bm.Children.TryGetValue(new YamlScalarNode("caCertHashes"), out var h) && h is YamlSequenceNode seq
            ? seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).ToList()
            : [];
        var unsafeSkip = Get("discovery", "bootstrapToken", "unsafeSkipCAVerification") == "true";
        if (hashes.Count == 0 && !unsafeSkip)
        {
            problems.Add("discovery.bootstrapToken.caCertHashes is required (or unsafeSkipCAVerification: true)");
        }

        foreach (var hash in hashes.Where(x => !x.StartsWith("sha256:", StringComparison.Ordinal)))
        {
            problems.Add($"caCertHashes entry '{hash}' must be sha256:<hex>");
        }

        if (root is YamlMappingNode rm && rm.Children.TryGetValue(new YamlScalarNode("controlPlane"), out var cp)
            && string.IsNullOrEmpty(Get("controlPlane", "certificateKey")) && cp is YamlMappingNode)
        {
            problems.Add("controlPlane.certificateKey is required to join a control-plane node");
        }

        return problems;
    }
}
