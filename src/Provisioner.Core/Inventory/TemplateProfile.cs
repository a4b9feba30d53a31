namespace Provisioner.Core.Inventory;

/// <summary>How a profile puts an OS on the disk.</summary>
public enum InstallMethod
{
    /// <summary>The live agent streams an image, then writes a cloud-init NoCloud seed.</summary>
    Image = 1,
    Kickstart = 2,
    Preseed = 3,
    Autoinstall = 4,
}

/// <summary>A named set of templates and variables a node is deployed with (e.g. "k8s-worker", "chef-web").</summary>
public sealed record TemplateProfile
{
    public required Guid Id { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public InstallMethod InstallMethod { get; init; } = InstallMethod.Image;

    /// <summary>Purpose (e.g. "user-data", "network-config", "kickstart") to template name.</summary>
    public IReadOnlyDictionary<string, string> Templates { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();
}
