namespace Provisioner.Templates.Lookup;

/// <summary>The kinds a template can have (<see cref="Core.Persistence.TemplateVersion.Kind"/>): they decide how the
/// rendered output is validated.</summary>
public static class TemplateKinds
{
    public const string Ipxe = "ipxe";
    public const string CloudInitUserData = "cloud-init-user-data";
    public const string CloudInitMetaData = "cloud-init-meta-data";
    public const string CloudInitNetworkConfig = "cloud-init-network-config";
    public const string Kickstart = "kickstart";
    public const string Preseed = "preseed";
    public const string Autoinstall = "autoinstall";
    public const string Chef = "chef";
    public const string Kubeadm = "kubeadm";
    public const string Pxelinux = "pxelinux";
    public const string Grub = "grub";
    public const string Partial = "partial";
    public const string Json = "json";
    public const string Shell = "shell";
    public const string Text = "text";

    public static IReadOnlyList<string> All { get; } =
    [
        Ipxe, CloudInitUserData, CloudInitMetaData, CloudInitNetworkConfig, Kickstart, Preseed, Autoinstall, Chef, Kubeadm,
        Pxelinux, Grub, Partial, Json, Shell, Text,
    ];

    /// <summary>The kind of a default template from its name (the folder and extension under templates/).</summary>
    public static string Infer(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var n = TemplateLookup.WithoutScope(name);
        var file = n[(n.LastIndexOf('/') + 1)..];
        return n switch
        {
            _ when n.StartsWith("partials/", StringComparison.Ordinal) => Partial,
            _ when n.EndsWith(".ipxe", StringComparison.Ordinal) => Ipxe,
            _ when n.StartsWith("cloud-init/", StringComparison.Ordinal) && file.StartsWith("user-data", StringComparison.Ordinal) =>
                file.EndsWith(".sh", StringComparison.Ordinal) ? Shell : CloudInitUserData,
            _ when n.StartsWith("cloud-init/", StringComparison.Ordinal) && file.StartsWith("meta-data", StringComparison.Ordinal) => CloudInitMetaData,
            _ when n.StartsWith("cloud-init/", StringComparison.Ordinal) && file.StartsWith("network-config", StringComparison.Ordinal) => CloudInitNetworkConfig,
            _ when n.EndsWith(".ks", StringComparison.Ordinal) => Kickstart,
            _ when n.EndsWith(".preseed", StringComparison.Ordinal) || n.EndsWith(".cfg", StringComparison.Ordinal) && n.StartsWith("preseed/", StringComparison.Ordinal) => Preseed,
            _ when n.StartsWith("autoinstall/", StringComparison.Ordinal) => Autoinstall,
            _ when n.StartsWith("kubeadm/", StringComparison.Ordinal) && n.EndsWith(".yaml", StringComparison.Ordinal) => Kubeadm,
            _ when n.EndsWith(".json", StringComparison.Ordinal) => Json,
            _ when n.StartsWith("chef/", StringComparison.Ordinal) => Chef,
            _ when n.StartsWith("pxelinux/", StringComparison.Ordinal) => Pxelinux,
            _ when n.StartsWith("grub/", StringComparison.Ordinal) => Grub,
            _ when n.EndsWith(".sh", StringComparison.Ordinal) => Shell,
            _ => Text,
        };
    }
}
