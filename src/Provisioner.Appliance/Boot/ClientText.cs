namespace Provisioner.Appliance.Boot;

/// <summary>Text a booting machine sent (a file name, a path), made safe to echo in a problem detail or a timeline line.</summary>
public static class ClientText
{
    /// <summary>Printable ASCII only, at most <paramref name="max"/> characters.</summary>
    public static string Printable(string text, int max = 128)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(text.Where(c => c >= ' ' && c < 127).Take(max).ToArray());
    }
}
