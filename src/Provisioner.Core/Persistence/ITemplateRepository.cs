namespace Provisioner.Core.Persistence;

/// <summary>One saved version of a template. Versions are immutable; one version per name is active.</summary>
public sealed record TemplateVersion
{
    public required string Name { get; init; }

    public required int Version { get; init; }

    /// <summary>"ipxe", "cloud-init-user-data", "cloud-init-meta-data", "cloud-init-network-config", "kickstart",
    /// "preseed", "autoinstall", "chef", "kubeadm", "pxelinux", "grub", "partial", "text".</summary>
    public required string Kind { get; init; }

    public required string Content { get; init; }

    public required string Author { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public string? Comment { get; init; }

    public bool IsActive { get; init; }
}

public interface ITemplateRepository
{
    /// <summary>The active version of every template.</summary>
    Task<IReadOnlyList<TemplateVersion>> ListActiveAsync(CancellationToken cancellationToken);

    Task<TemplateVersion?> GetActiveAsync(string name, CancellationToken cancellationToken);

    Task<TemplateVersion?> GetVersionAsync(string name, int version, CancellationToken cancellationToken);

    Task<IReadOnlyList<TemplateVersion>> ListVersionsAsync(string name, CancellationToken cancellationToken);

    /// <summary>Saves a new version (not active unless <paramref name="activate"/>); returns it with its number.</summary>
    Task<TemplateVersion> AddVersionAsync(string name, string kind, string content, string author, string? comment, bool activate,
        CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="version"/> the active one (activate and roll back are the same operation).</summary>
    Task ActivateAsync(string name, int version, CancellationToken cancellationToken);
}
