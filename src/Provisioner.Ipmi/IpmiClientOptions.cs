using Provisioner.Ipmi.Commands;

namespace Provisioner.Ipmi;

/// <summary>How to reach and log in to one BMC.</summary>
public sealed record IpmiClientOptions
{
    /// <summary>BMC host name or IPv4 address.</summary>
    public required string Host { get; init; }

    /// <summary>RMCP port (623 by default).</summary>
    public int Port { get; init; } = 623;

    /// <summary>User name (up to 16 bytes).</summary>
    public required string Username { get; init; }

    /// <summary>Password (up to 20 bytes).</summary>
    public required string Password { get; init; }

    /// <summary>BMC key Kg (two-key logins); null when the BMC uses the user key.</summary>
    public byte[]? BmcKey { get; init; }

    /// <summary>Cipher suite to use; null tries the strongest first (17, then 3).</summary>
    public int? CipherSuite { get; init; }

    /// <summary>Privilege to request (Operator suffices for chassis control).</summary>
    public IpmiPrivilege Privilege { get; init; } = IpmiPrivilege.Administrator;

    /// <summary>Wait for one reply before retransmitting.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Transmissions per request (first try included).</summary>
    public int Tries { get; init; } = 3;

    /// <summary>A session idle for longer than this is presumed gone at the BMC and reopened (BMCs drop idle sessions after ~60 s).</summary>
    public TimeSpan SessionIdleLimit { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Skip Get Channel Authentication Capabilities before the first session (saves a round trip).</summary>
    public bool SkipCapabilitiesProbe { get; init; }

    /// <summary>"host:port" for messages.</summary>
    public string Display => Port == 623 ? Host : $"{Host}:{Port}";
}
