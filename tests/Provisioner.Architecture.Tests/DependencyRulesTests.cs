using System.Reflection;

namespace Provisioner.Architecture.Tests;

/// <summary>
/// The boundaries between projects, checked over the compiled assemblies' references: protocol libraries know
/// nothing about nodes, the domain knows nothing about sockets or databases, the CLI talks to the REST API only.
/// </summary>
[Trait("Area", "Architecture")]
public sealed class DependencyRulesTests
{
    // For each of our assemblies (the agent is "provisioner-agent", the CLI "provisioner"): the Provisioner.* assemblies it may reference, and whether it may use third-party packages.
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["Provisioner.Core"] = [],
        ["Provisioner.Net"] = [],
        ["Provisioner.Dhcp"] = ["Provisioner.Net"],
        ["Provisioner.Tftp"] = ["Provisioner.Net"],
        ["Provisioner.Ipmi"] = ["Provisioner.Net"],
        ["Provisioner.Snmp"] = ["Provisioner.Net"],
        ["Provisioner.Power"] = ["Provisioner.Core", "Provisioner.Ipmi", "Provisioner.Snmp", "Provisioner.Net"],
        ["Provisioner.Templates"] = ["Provisioner.Core"],
        ["Provisioner.Imaging"] = [],
        ["Provisioner.Agent.Protocol"] = [],
        ["provisioner-agent"] = ["Provisioner.Imaging", "Provisioner.Agent.Protocol"],
        ["Provisioner.Boot"] = ["Provisioner.Core", "Provisioner.Dhcp", "Provisioner.Tftp", "Provisioner.Templates", "Provisioner.Net"],
        ["Provisioner.Jobs"] = ["Provisioner.Core"],
        ["Provisioner.Storage"] = ["Provisioner.Core", "Provisioner.Jobs"],
        ["provisioner"] = ["Provisioner.Core"],
    };

    // Third-party (non-framework) assemblies each project may use.
    private static readonly Dictionary<string, string[]> AllowedPackages = new(StringComparer.Ordinal)
    {
        ["Provisioner.Dhcp"] = ["Microsoft.Extensions.Logging.Abstractions"],
        ["Provisioner.Tftp"] = ["Microsoft.Extensions.Logging.Abstractions"],
        ["Provisioner.Ipmi"] = ["Microsoft.Extensions.Logging.Abstractions"],
        ["Provisioner.Snmp"] = ["Microsoft.Extensions.Logging.Abstractions"],
        ["Provisioner.Net"] = ["Microsoft.Extensions.Logging.Abstractions"],
        ["Provisioner.Power"] = ["Microsoft.Extensions.Logging.Abstractions"],
        ["Provisioner.Boot"] = ["Microsoft.Extensions.Logging.Abstractions"],
        ["Provisioner.Jobs"] = ["Microsoft.Extensions.Logging.Abstractions"],
        ["Provisioner.Templates"] = ["Handlebars", "YamlDotNet", "Microsoft.Extensions.Logging.Abstractions"],
        ["Provisioner.Storage"] = ["Dapper", "Microsoft.Data.Sqlite", "Npgsql", "SQLitePCLRaw.core", "SQLitePCLRaw.batteries_v2", "Microsoft.Extensions.Logging.Abstractions"],
        ["provisioner"] = ["System.CommandLine"],
        ["provisioner-agent"] = ["Microsoft.Extensions.Logging.Abstractions"],
    };

    public static TheoryData<string> OurAssemblies() => new(Allowed.Keys);

    [Theory]
    [MemberData(nameof(OurAssemblies))]
    public void References_OfEachProject_StayWithinItsAllowedSet(string assemblyName)
    {
        var references = Assembly.Load(assemblyName).GetReferencedAssemblies().Select(a => a.Name!).ToArray();

        var ours = references.Where(r => r.StartsWith("Provisioner.", StringComparison.Ordinal)).ToArray();
        var forbidden = ours.Except(Allowed[assemblyName]).ToArray();
        Assert.True(forbidden.Length == 0, $"{assemblyName} must not reference {string.Join(", ", forbidden)}");

        var packages = AllowedPackages.GetValueOrDefault(assemblyName, []);
        var thirdParty = references.Where(r => !r.StartsWith("Provisioner.", StringComparison.Ordinal) && !IsFramework(r)).ToArray();
        var unexpected = thirdParty.Except(packages).ToArray();
        Assert.True(unexpected.Length == 0, $"{assemblyName} must not use {string.Join(", ", unexpected)}");
    }

    [Fact]
    public void Core_ReferencesNoAspNetNoSocketsNoDatabase()
    {
        var references = typeof(Provisioner.Core.Inventory.Node).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.Contains("Sqlite", StringComparison.OrdinalIgnoreCase) || r.Contains("Npgsql", StringComparison.Ordinal));
        Assert.DoesNotContain("System.Net.Sockets", references);
    }

    [Fact]
    public void OnlyTheAppliance_ReadsIConfiguration()
    {
        foreach (var name in Allowed.Keys)
        {
            var refs = Assembly.Load(name).GetReferencedAssemblies().Select(a => a.Name!);
            Assert.DoesNotContain("Microsoft.Extensions.Configuration.Abstractions", refs);
        }
    }

    private static bool IsFramework(string name) =>
        name is "System" or "mscorlib" or "netstandard"
        || name.StartsWith("System.", StringComparison.Ordinal)
        || name.StartsWith("Microsoft.Win32", StringComparison.Ordinal)
        || name.StartsWith("Microsoft.CSharp", StringComparison.Ordinal)
        || name.StartsWith("Microsoft.VisualBasic", StringComparison.Ordinal);
}
