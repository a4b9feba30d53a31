namespace Provisioner.Ipmi.Commands;

/// <summary>Network functions (IPMI v2.0 §5.1 table 5-1), request values.</summary>
public static class NetFn
{
    /// <summary>Chassis.</summary>
    public const byte Chassis = 0x00;

    /// <summary>Application.</summary>
    public const byte App = 0x06;
}

/// <summary>Requested session privilege levels (§6.8).</summary>
public enum IpmiPrivilege : byte
{
    /// <summary>Callback.</summary>
    Callback = 1,

    /// <summary>User (read-only: status queries).</summary>
    User = 2,

    /// <summary>Operator (chassis control).</summary>
    Operator = 3,

    /// <summary>Administrator.</summary>
    Administrator = 4,
}
