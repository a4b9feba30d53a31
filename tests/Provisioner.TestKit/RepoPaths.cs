namespace Provisioner.TestKit;

/// <summary>Locations inside the repository, found from the test's output directory.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Provisioner.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"Provisioner.sln not found above {AppContext.BaseDirectory}");
    });

    /// <summary>The repository root (where Provisioner.sln is).</summary>
    public static string Root => s_root.Value;

    /// <summary>The build configuration the tests were built with (Debug or Release).</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>A path under the repository root.</summary>
    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The built appliance entry assembly.</summary>
    public static string ApplianceDll => Of("src", "Provisioner.Appliance", "bin", Configuration, "net10.0", "provisioner-appliance.dll");

    /// <summary>The built CLI entry assembly.</summary>
    public static string CliDll => Of("src", "Provisioner.Cli", "bin", Configuration, "net10.0", "provisioner.dll");
}
