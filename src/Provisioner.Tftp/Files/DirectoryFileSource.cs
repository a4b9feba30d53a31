using System.Collections.Concurrent;
using System.Net;
using Microsoft.Win32.SafeHandles;

namespace Provisioner.Tftp.Files;

/// <summary>
/// Serves regular files under a root directory. The file is opened first and checked afterwards through
/// its descriptor (type with statx, real path with /proc/self/fd), so a symlink or a rename cannot make
/// it serve anything outside the root or anything but a regular file. Files up to a size are cached in
/// memory, keyed by device and inode and checked against size and mtime on every open.
/// </summary>
public sealed class DirectoryFileSource : ITftpFileSource
{
    private readonly DirectoryFileSourceOptions _options;
    private readonly string _root;
    private readonly string _realRoot;
    private readonly ConcurrentDictionary<(ulong Device, ulong Inode), CacheEntry> _cache = new();
    private long _cachedBytes;

    /// <summary>Serves <see cref="DirectoryFileSourceOptions.Root"/>, which must exist.</summary>
    public DirectoryFileSource(DirectoryFileSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("DirectoryFileSource needs Linux (statx, /proc/self/fd).");
        }

        _options = options;
        _root = Path.GetFullPath(options.Root);
        using var handle = UnixFile.Open(_root, out var errno)
            ?? throw new DirectoryNotFoundException($"TFTP root '{_root}' cannot be opened (errno {errno}).");
        _realRoot = UnixFile.RealPath(handle) ?? _root;
    }

    /// <summary>The root directory with symlinks resolved.</summary>
    public string RealRoot => _realRoot;

    /// <summary>Bytes held by the cache now.</summary>
    public long CachedBytes => Interlocked.Read(ref _cachedBytes);

    /// <inheritdoc/>
    public ValueTask<TftpOpenResult> OpenAsync(string normalizedPath, IPEndPoint client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(normalizedPath);
        // The server normalises, but this source may be used on its own: check again.
        var path = TftpPath.Normalize(normalizedPath, allowLeadingSlash: false, out _);
        if (path is null)
        {
            return ValueTask.FromResult(TftpOpenResult.AccessDenied());
        }

        return ValueTask.FromResult(Open(path));
    }

    private TftpOpenResult Open(string path)
    {
        var full = Path.Join(_root, path);
        var handle = UnixFile.Open(full, out var errno);
        if (handle is null && _options.CaseInsensitive && UnixFile.IsNotFound(errno) && FindIgnoringCase(path) is { } other)
        {
            handle = UnixFile.Open(other, out errno);
        }

        if (handle is null)
        {
            return UnixFile.IsNotFound(errno) ? TftpOpenResult.NotFound() : TftpOpenResult.AccessDenied();
        }

        var keep = false;
        try
        {
            var real = UnixFile.RealPath(handle);
            if (real is null || !IsUnderRoot(real))
            {
                return TftpOpenResult.AccessDenied();
            }

            var status = UnixFile.Stat(handle);
            if (!status.IsRegular)
            {
                return TftpOpenResult.AccessDenied("Not a regular file");
            }

            if (_options.CacheSizeBytes > 0 && status.Size <= _options.MaxCachedFileBytes && status.Size <= _options.CacheSizeBytes)
            {
                return TftpOpenResult.Found(new MemoryTftpFile(GetCached(handle, status)));
            }

            keep = true;
            return TftpOpenResult.Found(new HandleTftpFile(handle, status.Size));
        }
        finally
        {
            if (!keep)
            {
                handle.Dispose();
            }
        }
    }

    private bool IsUnderRoot(string real)
        => real.Length > _realRoot.Length
            && real.StartsWith(_realRoot, StringComparison.Ordinal)
            && (real[_realRoot.Length] == '/' || _realRoot.EndsWith('/'));

    private byte[] GetCached(SafeFileHandle handle, UnixFileStatus status)
    {
        var key = (status.Device, status.Inode);
        while (true)
        {
            if (_cache.TryGetValue(key, out var entry))
            {
                if (entry.Matches(status))
                {
                    entry.Touch();
                    return Value(key, entry);
                }

                // Changed on disk since cached: replace (only one caller wins the swap).
                var fresh = new CacheEntry(status, handle, this);
                if (_cache.TryUpdate(key, fresh, entry))
                {
                    entry.Evicted();
                    return Value(key, fresh);
                }

                continue;
            }

            var created = new CacheEntry(status, handle, this);
            if (_cache.TryAdd(key, created))
            {
                return Value(key, created);
            }
        }
    }

    private byte[] Value((ulong, ulong) key, CacheEntry entry)
    {
        try
        {
            return entry.Load();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A failed read must not poison the entry for later requests.
            _cache.TryRemove(new KeyValuePair<(ulong, ulong), CacheEntry>(key, entry));
            throw;
        }
    }

    private void Account(long delta)
    {
        if (Interlocked.Add(ref _cachedBytes, delta) <= _options.CacheSizeBytes || delta <= 0)
        {
            return;
        }

        // Over budget: drop the least recently used entries. Rare (the boot files of a site are few), so a scan is fine.
        foreach (var (key, entry) in _cache.OrderBy(e => e.Value.LastUsed).ToArray())
        {
            if (Interlocked.Read(ref _cachedBytes) <= _options.CacheSizeBytes)
            {
                break;
            }

            if (_cache.TryRemove(new KeyValuePair<(ulong, ulong), CacheEntry>(key, entry)))
            {
                entry.Evicted();
            }
        }
    }

    private string? FindIgnoringCase(string path)
    {
        var current = _root;
        foreach (var segment in path.Split('/'))
        {
            var exact = Path.Join(current, segment);
            if (Path.Exists(exact))
            {
                current = exact;
                continue;
            }

            if (!Directory.Exists(current))
            {
                return null;
            }

            string? match = null;
            foreach (var entry in Directory.EnumerateFileSystemEntries(current))
            {
                var name = Path.GetFileName(entry);
                if (string.Equals(name, segment, StringComparison.OrdinalIgnoreCase)
                    && (match is null || string.CompareOrdinal(name, Path.GetFileName(match)) < 0))
                {
                    match = entry; // several candidates: pick the ordinal-first, so the answer is stable
                }
            }

            if (match is null)
            {
                return null;
            }

            current = match;
        }

        return current;
    }

    private sealed class CacheEntry
    {
        private readonly UnixFileStatus _status;
        private readonly DirectoryFileSource _owner;
        private long _lastUsed = Environment.TickCount64;
        private int _accounted;

        public CacheEntry(UnixFileStatus status, SafeFileHandle handle, DirectoryFileSource owner)
        {
            _status = status;
            _owner = owner;
            // Loaded once, by the first caller; the others wait for it (ExecutionAndPublication).
            Content = new Lazy<byte[]>(() => ReadAll(handle, status.Size), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public Lazy<byte[]> Content { get; }

        public long LastUsed => Interlocked.Read(ref _lastUsed);

        public bool Matches(UnixFileStatus s)
            => s.Size == _status.Size && s.MtimeSeconds == _status.MtimeSeconds && s.MtimeNanoseconds == _status.MtimeNanoseconds;

        public void Touch() => Interlocked.Exchange(ref _lastUsed, Environment.TickCount64);

        public byte[] Load()
        {
            var bytes = Content.Value;
            if (Interlocked.Exchange(ref _accounted, 1) == 0)
            {
                _owner.Account(bytes.Length);
            }

            return bytes;
        }

        public void Evicted()
        {
            if (Interlocked.Exchange(ref _accounted, 2) == 1)
            {
                _owner.Account(-_status.Size);
            }
        }

        private static byte[] ReadAll(SafeFileHandle handle, long size)
        {
            var bytes = GC.AllocateUninitializedArray<byte>((int)size);
            var at = 0;
            while (at < bytes.Length)
            {
                var n = RandomAccess.Read(handle, bytes.AsSpan(at), at);
                if (n == 0)
                {
                    return bytes.AsSpan(0, at).ToArray(); // shrank while reading
                }

                at += n;
            }

            return bytes;
        }
    }
}
