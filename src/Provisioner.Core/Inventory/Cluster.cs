namespace Provisioner.Core.Inventory;

/// <summary>A kubeadm cluster nodes can join.</summary>
public sealed record Cluster
{
    public required Guid Id { get; init; }

    public required string Name { get; init; }

    /// <summary>"host:port" of the control-plane endpoint.</summary>
    public required string ApiEndpoint { get; init; }

    /// <summary>Name of the secret holding the bootstrap join token ("abcdef.0123456789abcdef").</summary>
    public string? JoinTokenSecret { get; init; }

    public DateTimeOffset? JoinTokenExpiresAt { get; init; }

    /// <summary>"sha256:..." discovery CA certificate hash.</summary>
    public string? CaCertHash { get; init; }

    /// <summary>Name of the secret holding the certificate key for control-plane joins.</summary>
    public string? CertificateKeySecret { get; init; }
}
