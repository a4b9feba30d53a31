using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Provisioner.Dhcp.Protocol;

/// <summary>One option after RFC 3396 joining: its code and its whole value (may exceed 255 bytes).</summary>
public readonly record struct DhcpOption(DhcpOptionCode Code, byte[] Value);

/// <summary>
/// The options of a message in wire order. A code appears at most once: split instances are joined when
/// parsing and split again when writing (RFC 3396). Small lists, so lookups are linear scans.
/// </summary>
public sealed class DhcpOptionList
{
    private readonly List<DhcpOption> _items;

    public DhcpOptionList()
    {
        _items = new List<DhcpOption>(16);
    }

    internal DhcpOptionList(List<DhcpOption> items)
    {
        _items = items;
    }

    /// <summary>The options in order.</summary>
    public IReadOnlyList<DhcpOption> Items => _items;

    /// <summary>Number of options.</summary>
    public int Count => _items.Count;

    /// <summary>The value of <paramref name="code"/>, or null.</summary>
    public byte[]? Get(DhcpOptionCode code)
    {
        foreach (var o in _items)
        {
            if (o.Code == code)
            {
                return o.Value;
            }
        }

        return null;
    }

    /// <summary>True if the option is present.</summary>
    public bool Contains(DhcpOptionCode code) => Get(code) is not null;

    /// <summary>Sets (replaces in place, or appends) an option value.</summary>
    public DhcpOptionList Set(DhcpOptionCode code, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (code is DhcpOptionCode.Pad or DhcpOptionCode.End)
        {
            throw new ArgumentException("Pad and End are not options with values.", nameof(code));
        }

        for (var i = 0; i < _items.Count; i++)
        {
            if (_items[i].Code == code)
            {
                _items[i] = new DhcpOption(code, value);
                return this;
            }
        }

        _items.Add(new DhcpOption(code, value));
        return this;
    }

    /// <summary>Removes an option; true if it was present.</summary>
    public bool Remove(DhcpOptionCode code)
    {
        for (var i = 0; i < _items.Count; i++)
        {
            if (_items[i].Code == code)
            {
                _items.RemoveAt(i);
                return true;
            }
        }

        return false;
    }

    /// <summary>Sets a single-byte option.</summary>
    public DhcpOptionList SetByte(DhcpOptionCode code, byte value) => Set(code, [value]);

    /// <summary>Sets a 16-bit big-endian option.</summary>
    public DhcpOptionList SetUInt16(DhcpOptionCode code, ushort value)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, value);
        return Set(code, b);
    }

    /// <summary>Sets a 32-bit big-endian option (times in seconds).</summary>
    public DhcpOptionList SetUInt32(DhcpOptionCode code, uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return Set(code, b);
    }

    /// <summary>Sets an option holding one or more IPv4 addresses.</summary>
    public DhcpOptionList SetAddresses(DhcpOptionCode code, IReadOnlyList<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var b = new byte[4 * addresses.Count];
        for (var i = 0; i < addresses.Count; i++)
        {
            if (!addresses[i].TryWriteBytes(b.AsSpan(4 * i), out var n) || n != 4)
            {
                throw new ArgumentException("Only IPv4 addresses fit DHCPv4 options.", nameof(addresses));
            }
        }

        return Set(code, b);
    }

    /// <summary>Sets an ASCII string option (no terminating NUL, RFC 2132 §2).</summary>
    public DhcpOptionList SetString(DhcpOptionCode code, string value) => Set(code, Encoding.ASCII.GetBytes(value));

    /// <summary>The message type (option 53), or <see cref="DhcpMessageType.None"/>.</summary>
    public DhcpMessageType MessageType => Get(DhcpOptionCode.MessageType) is [var t] ? (DhcpMessageType)t : DhcpMessageType.None;

    /// <summary>Reads an IPv4 address option, or null when absent or not 4 bytes long.</summary>
    public IPAddress? GetAddress(DhcpOptionCode code) => Get(code) is { Length: 4 } b ? new IPAddress(b) : null;

    /// <summary>Reads a 16-bit option, or null.</summary>
    public ushort? GetUInt16(DhcpOptionCode code) => Get(code) is { Length: 2 } b ? BinaryPrimitives.ReadUInt16BigEndian(b) : null;

    /// <summary>Reads a 32-bit option, or null.</summary>
    public uint? GetUInt32(DhcpOptionCode code) => Get(code) is { Length: 4 } b ? BinaryPrimitives.ReadUInt32BigEndian(b) : null;

    /// <summary>Reads an option as ASCII text (trailing NULs that some clients send are dropped), or null.</summary>
    public string? GetString(DhcpOptionCode code) => Get(code) is { } b ? Encoding.ASCII.GetString(b).TrimEnd('\0') : null;
}
