using Provisioner.TestKit;

namespace Provisioner.Demo;

/// <summary>What the virtual rack needs from this machine, said in words before anything is started.</summary>
internal static class Preflight
{
    public static List<string> Missing()
    {
        var missing = new List<string>();
        if (!Environment.IsPrivilegedProcess)
        {
            missing.Add("root privileges (network namespaces, bridges and tap devices need CAP_NET_ADMIN): run it as root, e.g. sudo make demo");
        }

        foreach (var (tool, package) in new[] { ("ip", "iproute2"), ("qemu-system-x86_64", "qemu-system-x86"), ("ipmi_sim", "openipmi"), ("flock", "util-linux") })
        {
            if (!OnPath(tool))
            {
                missing.Add($"{tool} (Debian package {package}; make deps installs it)");
            }
        }

        if (!File.Exists("/usr/share/OVMF/OVMF_CODE.fd"))
        {
            missing.Add("/usr/share/OVMF/OVMF_CODE.fd (Debian package ovmf; make deps installs it)");
        }

        if (!File.Exists("/dev/net/tun"))
        {
            missing.Add("/dev/net/tun (the tun module, for the machines' network cards)");
        }

        foreach (var (file, make) in new[]
                 {
                     (RepoPaths.Of("images", "live", "out", "vmlinuz"), "make live-image"),
                     (RepoPaths.Of("images", "test-os", "out", "disk.img.zst"), "make test-os"),
                     (RepoPaths.Of("pxe", "ipxe.efi"), "make pxe"),
                     (RepoPaths.ApplianceDll, "make build"),
                 })
        {
            if (!File.Exists(file))
            {
                missing.Add($"{file} ({make})");
            }
        }

        return missing;
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':')
        .Concat(["/usr/sbin", "/sbin"])
        .Any(dir => File.Exists(Path.Combine(dir, tool)));
}
