using System.Collections.Concurrent;
using System.Globalization;
using System.Net.NetworkInformation;

namespace Provisioner.Dhcp.Boot;

/// <summary>Settings of <see cref="DefaultBootPolicy"/>. Placeholders in URLs: {server}, {mac} (aa-bb-cc-dd-ee-ff),
/// {arch} (option 93 number), {uuid}.</summary>
public sealed class DefaultBootPolicyOptions
{
    /// <summary>Boot file for x86 BIOS PXE ROMs (arch 0).</summary>
    public string BiosBootFile { get; set; } = "undionly.kpxe";

    /// <summary>Boot file for UEFI x86-64 (arch 7 and 9). snponly.efi starts in 0.05 s where ipxe.efi probes drivers for about 4 s.</summary>
    public string EfiX64BootFile { get; set; } = "snponly.efi";

    /// <summary>Boot file for UEFI IA32 (arch 6).</summary>
    public string EfiIa32BootFile { get; set; } = "ipxe-i386.efi";

    /// <summary>Boot file for UEFI ARM64 (arch 11).</summary>
    public string EfiArm64BootFile { get; set; } = "snponly-arm64.efi";

    /// <summary>URL for UEFI HTTP boot clients (arch 16): an iPXE EFI binary over HTTP.</summary>
    public string HttpBootUrl { get; set; } = "http://{server}:8080/boot/ipxe.efi";

    /// <summary>URL for UEFI ARM64 HTTP boot clients (arch 19).</summary>
    public string HttpBootArm64Url { get; set; } = "http://{server}:8080/boot/ipxe-arm64.efi";

    /// <summary>iPXE script URL given to iPXE clients instead of the iPXE binary again.</summary>
    public string IpxeScriptUrl { get; set; } = "http://{server}:8080/boot/{mac}.ipxe";

    /// <summary>
    /// Give an iPXE ROM our own iPXE build first (BIOS: <see cref="BiosBootFile"/>, UEFI: the EFI file) and the script only
    /// to the chain-loaded copy. Off by default: the ROM iPXE goes straight to the script.
    /// </summary>
    public bool ChainloadRomIpxe { get; set; }

    /// <summary>How long after handing a MAC an iPXE binary a new iPXE exchange is taken as the chain-loaded copy.</summary>
    public TimeSpan ChainloadWindow { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// Boot decision without a domain: PXE clients get the iPXE binary for their architecture, iPXE clients the script URL,
/// HTTP boot clients an http:// URL, other clients a plain lease; clients without a reservation are ignored when
/// their scope does not allow unknown clients.
/// </summary>
public sealed class DefaultBootPolicy : IDhcpBootPolicy
{
    private readonly DefaultBootPolicyOptions _options;
    private readonly TimeProvider _time;

    // Per-MAC memory of the last iPXE binary handed to an iPXE client (virtual-rack gotcha 5: a ROM iPXE and a
    // chain-loaded one look identical on the wire, so only this state breaks the loop). Bounded by pruning.
    private readonly ConcurrentDictionary<PhysicalAddress, (uint Xid, DateTimeOffset At)> _chained = new();

    public DefaultBootPolicy(DefaultBootPolicyOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? new DefaultBootPolicyOptions();
        _time = time ?? TimeProvider.System;
    }

    public ValueTask<DhcpBootDecision> DecideAsync(PxeClientInfo client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return ValueTask.FromResult(Decide(client));
    }

    private DhcpBootDecision Decide(PxeClientInfo client)
    {
        if (client.Reservation is null && client.Scope is { AllowUnknownClients: false })
        {
            return DhcpBootDecision.Ignore("unknown client and discovery is off for scope " + client.Scope.Id);
        }

        if (client.IsHttpClient)
        {
            var url = client.Architecture == ClientArchitecture.EfiArm64Http ? _options.HttpBootArm64Url : _options.HttpBootUrl;
            return DhcpBootDecision.Boot(Expand(url, client), vendorClass: "HTTPClient", reason: "UEFI HTTP boot");
        }

        if (client.IsIpxe)
        {
            if (_options.ChainloadRomIpxe && ArchBootFile(client.Architecture) is { } binary && !RecentlyChained(client))
            {
                _chained[client.Mac] = (client.TransactionId, _time.GetUtcNow());
                Prune();
                return DhcpBootDecision.Boot(binary, vendorClass: client.IsPxeClient ? "PXEClient" : null, reason: "iPXE ROM: chain-load our iPXE");
            }

            return DhcpBootDecision.Boot(Expand(_options.IpxeScriptUrl, client), reason: "iPXE: script");
        }

        if (client.IsPxeClient)
        {
            return ArchBootFile(client.Architecture) is { } file
                ? DhcpBootDecision.Boot(file, vendorClass: "PXEClient", reason: "PXE ROM arch " + ArchText(client))
                : DhcpBootDecision.Ignore("PXE client with unsupported architecture " + ArchText(client));
        }

        return DhcpBootDecision.LeaseOnly();
    }

    private bool RecentlyChained(PxeClientInfo client)
    {
        if (!_chained.TryGetValue(client.Mac, out var last))
        {
            return false;
        }

        // The same exchange (OFFER then ACK) must get the same answer; a new xid within the window is the chained copy.
        return last.Xid != client.TransactionId && _time.GetUtcNow() - last.At < _options.ChainloadWindow;
    }

    private void Prune()
    {
        if (_chained.Count < 4096)
        {
            return;
        }

        var cutoff = _time.GetUtcNow() - _options.ChainloadWindow;
        foreach (var (mac, v) in _chained)
        {
            if (v.At < cutoff)
            {
                _chained.TryRemove(mac, out _);
            }
        }
    }

    private string? ArchBootFile(ClientArchitecture? arch) => arch switch
    {
        null or ClientArchitecture.X86Bios => _options.BiosBootFile,
        ClientArchitecture.EfiIa32 => _options.EfiIa32BootFile,
        ClientArchitecture.EfiBc or ClientArchitecture.EfiX64 => _options.EfiX64BootFile,
        ClientArchitecture.EfiArm64 => _options.EfiArm64BootFile,
        _ => null,
    };

    private static string ArchText(PxeClientInfo client) =>
        client.Architecture is { } a ? ((ushort)a).ToString(CultureInfo.InvariantCulture) : "none";

    /// <summary>Fills the URL placeholders.</summary>
    public static string Expand(string pattern, PxeClientInfo client)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(client);
        return pattern
            .Replace("{server}", client.ServerAddress.ToString(), StringComparison.Ordinal)
            .Replace("{mac}", MacText(client.Mac), StringComparison.Ordinal)
            .Replace("{arch}", ArchText(client), StringComparison.Ordinal)
            .Replace("{uuid}", client.Uuid?.ToString() ?? string.Empty, StringComparison.Ordinal);
    }

    /// <summary>aa-bb-cc-dd-ee-ff.</summary>
    public static string MacText(PhysicalAddress mac)
    {
        ArgumentNullException.ThrowIfNull(mac);
        return string.Join('-', mac.GetAddressBytes().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }
}
