namespace Provisioner.Dhcp.Tests.Protocol;

/// <summary>Loads packets captured from real clients (testdata/*.hex, made with tcpdump in a namespace).</summary>
internal static class TestData
{
    public static byte[] Hex(string name)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", name));
        return Convert.FromHexString(string.Concat(text.Where(Uri.IsHexDigit)));
    }
}
