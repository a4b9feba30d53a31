using System.Globalization;

namespace Provisioner.Tftp.Transport;

/// <summary>
/// Reads an interface's MTU from /sys/class/net, for <see cref="TftpServer"/>'s interfaceMtu argument, so blksize
/// is capped at MTU - 32 and no DATA packet is fragmented. Reads sysfs of the caller's network namespace.
/// </summary>
public static class InterfaceMtu
{
    /// <summary>The MTU of the interface with index <paramref name="interfaceIndex"/>, or null if unknown.</summary>
    public static int? FromSysfs(int interfaceIndex)
    {
        if (interfaceIndex <= 0 || !Directory.Exists("/sys/class/net"))
        {
            return null;
        }

        try
        {
            foreach (var dir in Directory.EnumerateDirectories("/sys/class/net"))
            {
                if (ReadInt(Path.Combine(dir, "ifindex")) == interfaceIndex)
                {
                    return ReadInt(Path.Combine(dir, "mtu"));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // an interface vanished while we looked: no cap
        }

        return null;
    }

    private static int? ReadInt(string path)
        => File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
}
