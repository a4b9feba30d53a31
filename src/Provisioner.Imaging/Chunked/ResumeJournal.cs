using System.Globalization;
using System.Text;

namespace Provisioner.Imaging.Chunked;

/// <summary>
/// Remembers which chunks of which image reached the target, so a restarted deployer continues where it stopped.
/// Text file: a header line naming the image (index digest) and one chunk number per line. Entries are hints only:
/// on resume every listed chunk is read back from the target and its SHA-256 checked before it is trusted, so a lost
/// or torn write (the journal is not fsynced with the data) costs a refetch, never a wrong disk.
/// </summary>
internal sealed class ResumeJournal : IDisposable
{
    private const string Magic = "provisioner-chunk-journal v1";
    private readonly FileStream? _file;
    private readonly Lock _gate = new();

    private ResumeJournal(FileStream? file, HashSet<int> done)
    {
        _file = file;
        Done = done;
    }

    /// <summary>Chunks recorded by an earlier run of the same image.</summary>
    public IReadOnlySet<int> Done { get; }

    /// <summary>Opens or starts the journal at <paramref name="path"/> for the image identified by <paramref name="identity"/>;
    /// a journal of another image is discarded. A null path gives a journal that records nothing.</summary>
    public static ResumeJournal Open(string? path, string identity, int chunkCount)
    {
        var done = new HashSet<int>();
        if (path is null)
        {
            return new ResumeJournal(null, done);
        }
        string header = $"{Magic} {identity}";
        bool keep = false;
        if (File.Exists(path))
        {
            using var reader = new StreamReader(path, Encoding.UTF8);
            keep = reader.ReadLine() == header;
            string? line;
            while (keep && (line = reader.ReadLine()) is not null)
            {
                if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 0 && n < chunkCount)
                {
                    done.Add(n);
                }
            }
        }
        if (!keep)
        {
            done.Clear();
            File.WriteAllText(path, header + "\n");
        }
        var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        return new ResumeJournal(file, done);
    }

    public void Record(int chunk)
    {
        if (_file is null)
        {
            return;
        }
        var line = Encoding.ASCII.GetBytes(chunk.ToString(CultureInfo.InvariantCulture) + "\n");
        lock (_gate)
        {
            _file.Write(line);
            _file.Flush();
        }
    }

    /// <summary>Removes the journal after a verified deploy.</summary>
    public void Complete(string? path)
    {
        _file?.Dispose();
        if (path is not null)
        {
            File.Delete(path);
        }
    }

    public void Dispose() => _file?.Dispose();
}
