namespace Provisioner.Dhcp.Protocol;

/// <summary>BOOTP op field (RFC 951, RFC 2131 §2).</summary>
public enum DhcpOpCode : byte
{
    /// <summary>Client to server.</summary>
    BootRequest = 1,

    /// <summary>Server to client.</summary>
    BootReply = 2,
}

/// <summary>DHCP message type, option 53 (RFC 2132 §9.6).</summary>
public enum DhcpMessageType : byte
{
    /// <summary>Not a DHCP message (no option 53).</summary>
    None = 0,
    Discover = 1,
    Offer = 2,
    Request = 3,
    Decline = 4,
    Ack = 5,
    Nak = 6,
    Release = 7,
    Inform = 8,
}

/// <summary>Option codes this server reads or writes (RFC 2132 and later RFCs, cited per code).</summary>
public enum DhcpOptionCode : byte
{
    Pad = 0,
    SubnetMask = 1,
    Router = 3,
    DomainNameServer = 6,
    HostName = 12,
    DomainName = 15,
    InterfaceMtu = 26,
    BroadcastAddress = 28,
    NtpServers = 42,
    VendorSpecific = 43,
    RequestedIpAddress = 50,
    LeaseTime = 51,
    /// <summary>RFC 2132 §9.3: 1 = file holds options, 2 = sname holds options, 3 = both.</summary>
    OptionOverload = 52,
    MessageType = 53,
    ServerIdentifier = 54,
    ParameterRequestList = 55,
    Message = 56,
    MaxMessageSize = 57,
    RenewalTime = 58,
    RebindingTime = 59,
    VendorClassIdentifier = 60,
    ClientIdentifier = 61,
    TftpServerName = 66,
    BootFileName = 67,
    /// <summary>RFC 3004.</summary>
    UserClass = 77,
    /// <summary>RFC 3046 relay agent information.</summary>
    RelayAgentInformation = 82,
    /// <summary>RFC 4578 client system architecture.</summary>
    ClientSystemArchitecture = 93,
    /// <summary>RFC 4578 client network device interface.</summary>
    ClientNetworkInterface = 94,
    /// <summary>RFC 4578 client machine identifier (UUID/GUID).</summary>
    ClientMachineIdentifier = 97,
    /// <summary>RFC 3011 subnet selection.</summary>
    SubnetSelection = 118,
    /// <summary>RFC 3442 classless static routes.</summary>
    ClasslessStaticRoute = 121,
    /// <summary>iPXE encapsulated options (feature flags, no-pxedhcp = 176).</summary>
    IpxeEncapsulated = 175,
    End = 255,
}

/// <summary>RFC 3046 §2.0 and RFC 3527 relay agent sub-options this server looks at.</summary>
public enum RelayAgentSubOption : byte
{
    CircuitId = 1,
    RemoteId = 2,
    /// <summary>RFC 3527 link selection.</summary>
    LinkSelection = 5,
}
