namespace Provisioner.Imaging.Tests.Agent;

/// <summary>A throw-away directory tree that stands in for / (sysfs, procfs) in fact-collection tests.</summary>
public sealed class FakeSysfs : IDisposable
{
    public FakeSysfs()
    {
        Root = Directory.CreateTempSubdirectory("fake-sysfs-").FullName;
    }

    public string Root { get; }

    public FakeSysfs File(string absolute, string content)
    {
        var path = PathOf(absolute);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content);
        return this;
    }

    public FakeSysfs Bytes(string absolute, byte[] content)
    {
        var path = PathOf(absolute);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, content);
        return this;
    }

    public FakeSysfs Dir(string absolute)
    {
        Directory.CreateDirectory(PathOf(absolute));
        return this;
    }

    /// <summary>A symbolic link, as sysfs has for device and driver.</summary>
    public FakeSysfs Link(string absolute, string target)
    {
        var path = PathOf(absolute);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.CreateSymbolicLink(path, target);
        return this;
    }

    public string PathOf(string absolute) => Path.Combine(Root, absolute.TrimStart('/'));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
