using System.Text.Json.Serialization;

namespace Provisioner.Agent.Protocol;

/// <summary>How the machine booted the live image.</summary>
public enum FirmwareMode
{
    /// <summary>Legacy BIOS (no <c>/sys/firmware/efi</c>).</summary>
    [JsonStringEnumMemberName("bios")]
    Bios,

    /// <summary>UEFI.</summary>
    [JsonStringEnumMemberName("uefi")]
    Uefi,
}

/// <summary>First call of a booted agent: who it is.</summary>
/// <param name="Mac">MAC of the interface it booted from (<c>aa:bb:cc:dd:ee:ff</c>, lower case).</param>
/// <param name="AgentVersion">Version of the agent build.</param>
/// <param name="Firmware">BIOS or UEFI.</param>
/// <param name="BootId">The kernel's random boot id (<c>/proc/sys/kernel/random/boot_id</c>): tells reboots apart.</param>
public sealed record HelloRequest(string Mac, string AgentVersion, FirmwareMode Firmware, string BootId);

/// <summary>The appliance's answer to <see cref="HelloRequest"/>.</summary>
/// <param name="NodeId">The node this agent runs on.</param>
/// <param name="Hostname">Its hostname (used for the console prompt and logs).</param>
public sealed record HelloResponse(string NodeId, string Hostname);

/// <summary>A batch of agent log lines for the appliance's node log.</summary>
public sealed record LogBatch(IReadOnlyList<string> Lines);
