using System.Text.Json.Serialization;

namespace Provisioner.Agent.Protocol;

/// <summary>What the appliance asks the agent to do.</summary>
public enum AgentTaskKind
{
    /// <summary>Collect and send the hardware facts again.</summary>
    [JsonStringEnumMemberName("commission")]
    Commission,

    /// <summary>Write an image to disk, then the cloud-init seed.</summary>
    [JsonStringEnumMemberName("deploy")]
    Deploy,

    /// <summary>Erase disks (release).</summary>
    [JsonStringEnumMemberName("wipe")]
    Wipe,

    /// <summary>Power the machine off.</summary>
    [JsonStringEnumMemberName("poweroff")]
    Poweroff,

    /// <summary>Reboot the machine.</summary>
    [JsonStringEnumMemberName("reboot")]
    Reboot,
}

/// <summary>On-the-wire format of a disk image.</summary>
public enum ImageFormat
{
    /// <summary>Uncompressed disk image.</summary>
    [JsonStringEnumMemberName("raw")]
    Raw,

    /// <summary>gzip-compressed disk image.</summary>
    [JsonStringEnumMemberName("gzip")]
    Gzip,

    /// <summary>zstd-compressed disk image.</summary>
    [JsonStringEnumMemberName("zstd")]
    Zstd,

    /// <summary>xz-compressed disk image.</summary>
    [JsonStringEnumMemberName("xz")]
    Xz,

    /// <summary>Chunked image: an index (<see cref="ImageSource.IndexUrl"/>) plus independently fetched chunks.</summary>
    [JsonStringEnumMemberName("chunked")]
    Chunked,
}

/// <summary>How thoroughly to erase.</summary>
public enum WipeMode
{
    /// <summary>Partition-table and filesystem signatures plus the first and last MiB of every disk.</summary>
    [JsonStringEnumMemberName("quick")]
    Quick,

    /// <summary>The whole disk: discard when the device supports it, else write zeros.</summary>
    [JsonStringEnumMemberName("full")]
    Full,
}

/// <summary>One unit of work for the agent.</summary>
/// <param name="Id">Task id used in the progress/result routes.</param>
/// <param name="Kind">What to do.</param>
/// <param name="Deploy">Parameters when <paramref name="Kind"/> is <see cref="AgentTaskKind.Deploy"/>.</param>
/// <param name="Wipe">Parameters when <paramref name="Kind"/> is <see cref="AgentTaskKind.Wipe"/>.</param>
public sealed record AgentTask(string Id, AgentTaskKind Kind, DeployTask? Deploy = null, WipeTask? Wipe = null);

/// <summary>Parameters of a deploy.</summary>
/// <param name="Image">The image to stream.</param>
/// <param name="TargetDisk">Device path; when null the agent picks the first non-removable disk large enough.</param>
/// <param name="Seed">cloud-init NoCloud seed to write after the image; none when null.</param>
public sealed record DeployTask(ImageSource Image, string? TargetDisk = null, CloudInitSeed? Seed = null);

/// <summary>Where an image comes from and how to check it.</summary>
/// <param name="Url">Image URL; relative URLs resolve against the appliance. For <see cref="ImageFormat.Chunked"/> the
/// index URL (used when <paramref name="IndexUrl"/> is null).</param>
/// <param name="Format">Encoding on the wire.</param>
/// <param name="Sha256">Hex sha256 of the decompressed (raw) image, as written to disk.</param>
/// <param name="SizeBytes">Size of the decompressed image in bytes.</param>
/// <param name="IndexUrl">Chunk index URL for chunked images; the data file the index names is fetched next to it.</param>
public sealed record ImageSource(string Url, ImageFormat Format, string Sha256, long SizeBytes, string? IndexUrl = null);

/// <summary>The node's rendered cloud-init NoCloud files.</summary>
/// <param name="UserData">user-data (usually <c>#cloud-config</c>).</param>
/// <param name="MetaData">meta-data (instance-id, local-hostname).</param>
/// <param name="NetworkConfig">network-config (v1 or v2), optional.</param>
public sealed record CloudInitSeed(string UserData, string MetaData, string? NetworkConfig = null);

/// <summary>Parameters of a wipe.</summary>
/// <param name="Mode">Quick or full.</param>
/// <param name="Disks">Device paths to wipe; all non-removable disks when null.</param>
public sealed record WipeTask(WipeMode Mode, IReadOnlyList<string>? Disks = null);

/// <summary>Progress of a running task, sent every one to two seconds.</summary>
/// <param name="Step">Current step, e.g. <c>write-image</c>, <c>write-seed</c>, <c>wipe</c>.</param>
/// <param name="BytesDone">Bytes done in this step.</param>
/// <param name="BytesTotal">Bytes expected in this step (0 when unknown).</param>
/// <param name="BytesPerSecond">Recent rate.</param>
/// <param name="EtaSeconds">Estimated seconds to the end of the step, when known.</param>
/// <param name="Message">Free text for humans.</param>
public sealed record TaskProgress(string Step, long BytesDone, long BytesTotal, double BytesPerSecond, double? EtaSeconds, string? Message = null);

/// <summary>Final outcome of a task.</summary>
/// <param name="Success">True when every step completed.</param>
/// <param name="Step">The last step reached (the failing step on failure).</param>
/// <param name="Error">Cause of the failure, null on success.</param>
/// <param name="LogTail">The last lines of agent/tool output.</param>
public sealed record TaskResult(bool Success, string Step, string? Error, IReadOnlyList<string> LogTail);
