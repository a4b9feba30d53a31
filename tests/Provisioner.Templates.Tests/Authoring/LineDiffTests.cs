using Provisioner.Templates.Authoring;
using Provisioner.TestKit;

namespace Provisioner.Templates.Tests.Authoring;

[Trait("Area", "Templates")]
public sealed class LineDiffTests
{
    [Fact]
    public void Unified_SameText_Empty()
    {
        Assert.Equal(string.Empty, LineDiff.Unified("a\nb\n", "a\nb\n", "x", "y"));
    }

    public static TheoryData<string, string> Pairs() => new()
    {
        { "a\nb\nc\n", "a\nx\nc\n" },
        { "", "new\nfile\n" },
        { "old\nfile\n", "" },
        { string.Join('\n', Enumerable.Range(1, 40)) + "\n", string.Join('\n', Enumerable.Range(1, 40).Select(i => i is 5 or 30 ? "changed" : i.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "\n" },
        { "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "0\n1\n2\n4\n5\n6\n7\n8\n9\n10\n" },
    };

    [Theory]
    [Trait("Peer", "diff")]
    [MemberData(nameof(Pairs))]
    public async Task Unified_Pairs_SameHunksAsGnuDiff(string oldText, string newText)
    {
        var diff = Peers.Require("diff", "diffutils");
        var dir = Directory.CreateTempSubdirectory("tpl-diff-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "old"), oldText);
            await File.WriteAllTextAsync(Path.Combine(dir, "new"), newText);

            var (_, stdout, _) = await PeerProcess.RunAsync(diff, ["-u", "--label", "old", "--label", "new", "old", "new"], TimeSpan.FromSeconds(30),
                workingDirectory: dir);

            Assert.Equal(stdout.TrimEnd('\n'), LineDiff.Unified(oldText, newText, "old", "new").TrimEnd('\n'));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
