using System.Globalization;
using System.Text;
using Provisioner.Agent.Disks;
using Provisioner.Agent.Processes;
using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Seed;

/// <summary>
/// Writes a cloud-init NoCloud seed (user-data, meta-data, network-config) onto a vfat partition labelled CIDATA that
/// it adds to the deployed disk. The partition goes at the END of the disk, so the image's root partition can still
/// grow (cloud-init growpart) up to it. Works on a disk or a file standing in for one: sfdisk edits the table,
/// mkfs.fat --offset formats in place and mtools copies the files, none of which needs the kernel to see the partition.
/// </summary>
public sealed class NoCloudSeedWriter(IProcessRunner processes)
{
    /// <summary>Size of the seed partition.</summary>
    public const long PartitionBytes = 8 << 20;

    /// <summary>Filesystem label cloud-init's NoCloud datasource looks for (it matches cidata case-insensitively).</summary>
    public const string Label = "CIDATA";

    private const long Sector = 512;
    private const long Alignment = 1 << 20;

    // GPT "Microsoft basic data": what a FAT data partition is; MBR 0x0c = FAT32 (LBA).
    private const string GptType = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";
    private const string MbrType = "c";

    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Adds the partition and writes the files; returns its first byte offset. Throws <see cref="SeedException"/>.</summary>
    public async Task<long> WriteAsync(string disk, CloudInitSeed seed, CancellationToken ct)
    {
        var table = await ReadTableAsync(disk, ct).ConfigureAwait(false);
        var diskBytes = BlockDevice.SizeOf(disk);

        if (table.Label == "gpt")
        {
            // The image's backup GPT sits at the end of the IMAGE; move it to the end of the DISK first (UEFI spec §5.3.2).
            await RunAsync("sfdisk", ["--relocate", "gpt-bak-std", "--no-reread", "--no-tell-kernel", disk], null, ct).ConfigureAwait(false);
        }

        // Last usable byte: GPT keeps 33 sectors at the end for the backup header and entries.
        var endBytes = table.Label == "gpt" ? diskBytes - (33 * Sector) : diskBytes;
        var start = (endBytes - PartitionBytes) / Alignment * Alignment;
        if (start < table.EndBytes)
        {
            throw new SeedException($"no room for a {PartitionBytes >> 20} MiB cidata partition: the partitions end at byte {table.EndBytes} of {diskBytes}");
        }

        var size = PartitionBytes / Sector;
        var startSector = start / Sector;
        var line = table.Label == "gpt"
            ? string.Create(CultureInfo.InvariantCulture, $"start={startSector}, size={size}, type={GptType}, name=cidata\n")
            : string.Create(CultureInfo.InvariantCulture, $"start={startSector}, size={size}, type={MbrType}\n");
        await RunAsync("sfdisk", ["--append", "--no-reread", "--no-tell-kernel", "--wipe", "never", disk], line, ct).ConfigureAwait(false);

        // BLOCKS for mkfs.fat are 1 KiB units. -F 12, as small seed images use: left to itself, mkfs.fat picks the FAT type
        // from the size of the whole disk (FAT32 above 512 MiB), which cannot hold a partition this small.
        await RunAsync("mkfs.fat", ["-I", "-F", "12", "-n", Label, "--offset", startSector.ToString(CultureInfo.InvariantCulture), "-i", VolumeId(seed), disk,
            (PartitionBytes / 1024).ToString(CultureInfo.InvariantCulture)], null, ct).ConfigureAwait(false);

        var dir = Directory.CreateTempSubdirectory("cidata-");
        try
        {
            var files = new List<string>
            {
                await WriteFileAsync(dir.FullName, "user-data", seed.UserData, ct).ConfigureAwait(false),
                await WriteFileAsync(dir.FullName, "meta-data", seed.MetaData, ct).ConfigureAwait(false),
            };
            if (seed.NetworkConfig is not null)
            {
                files.Add(await WriteFileAsync(dir.FullName, "network-config", seed.NetworkConfig, ct).ConfigureAwait(false));
            }

            var image = string.Create(CultureInfo.InvariantCulture, $"{disk}@@{start}");
            await RunAsync("mcopy", ["-i", image, "-o", .. files, "::/"], null, ct, new Dictionary<string, string> { ["MTOOLS_SKIP_CHECK"] = "1" }).ConfigureAwait(false);
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        using (var handle = File.OpenHandle(disk, FileMode.Open, FileAccess.ReadWrite))
        {
            BlockDevice.Flush(handle);
            BlockDevice.TryRereadPartitions(handle);
        }

        return start;
    }

    /// <summary>The partition table kind and where its last partition ends.</summary>
    public sealed record PartitionTable(string Label, long EndBytes);

    /// <summary>Reads the table with <c>sfdisk --dump</c>.</summary>
    public async Task<PartitionTable> ReadTableAsync(string disk, CancellationToken ct)
    {
        var result = await processes.RunAsync("sfdisk", ["--dump", disk], ToolTimeout, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new SeedException($"the image on {disk} has no partition table sfdisk can read, so no cidata partition can be added: {result.Tail(2)}");
        }

        return ParseDump(result.Output);
    }

    /// <summary>Parses <c>sfdisk --dump</c> output: the <c>label:</c> line and the <c>start=, size=</c> of each partition.</summary>
    public static PartitionTable ParseDump(IEnumerable<string> lines)
    {
        string? label = null;
        long end = 0;
        foreach (var line in lines)
        {
            if (line.StartsWith("label:", StringComparison.Ordinal))
            {
                label = line["label:".Length..].Trim();
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !line.Contains("start=", StringComparison.Ordinal))
            {
                continue;
            }

            long start = 0, size = 0;
            foreach (var field in line[(colon + 1)..].Split(','))
            {
                var kv = field.Split('=', 2, StringSplitOptions.TrimEntries);
                if (kv.Length == 2 && kv[0] == "start")
                {
                    start = long.Parse(kv[1], CultureInfo.InvariantCulture);
                }
                else if (kv.Length == 2 && kv[0] == "size")
                {
                    size = long.Parse(kv[1], CultureInfo.InvariantCulture);
                }
            }

            end = Math.Max(end, (start + size) * Sector);
        }

        return label is "gpt" or "dos"
            ? new PartitionTable(label, end)
            : throw new SeedException($"unsupported partition table '{label ?? "none"}' (gpt or dos needed)");
    }

    // A FAT volume id derived from the seed, so the same seed gives the same bytes.
    private static string VolumeId(CloudInitSeed seed)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(seed.MetaData + "\n" + seed.UserData));
        return Convert.ToHexString(hash, 0, 4);
    }

    private static async Task<string> WriteFileAsync(string dir, string name, string content, CancellationToken ct)
    {
        var path = Path.Combine(dir, name);
        await File.WriteAllTextAsync(path, content, new UTF8Encoding(false), ct).ConfigureAwait(false);
        return path;
    }

    private async Task RunAsync(string program, IReadOnlyList<string> args, string? stdin, CancellationToken ct, IReadOnlyDictionary<string, string>? env = null)
    {
        var result = await processes.RunAsync(program, args, ToolTimeout, ct, stdin, env).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new SeedException($"{program} failed (exit {result.ExitCode}): {result.Tail(3)}");
        }
    }
}

/// <summary>The cloud-init seed could not be written.</summary>
public sealed class SeedException(string message) : Exception(message);
