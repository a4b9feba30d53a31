namespace Provisioner.Ipmi;

/// <summary>IPMI completion codes (IPMI v2.0 §5.2 table 5-2) with readable names.</summary>
public static class CompletionCodes
{
    /// <summary>Command completed normally.</summary>
    public const byte Ok = 0x00;

    /// <summary>Node busy.</summary>
    public const byte NodeBusy = 0xC0;

    /// <summary>Invalid command.</summary>
    public const byte InvalidCommand = 0xC1;

    /// <summary>Timeout while processing the command.</summary>
    public const byte Timeout = 0xC3;

    /// <summary>Out of space.</summary>
    public const byte OutOfSpace = 0xC4;

    /// <summary>Invalid data field in request.</summary>
    public const byte InvalidDataField = 0xCC;

    /// <summary>Command response could not be provided.</summary>
    public const byte CannotRespond = 0xCE;

    /// <summary>Insufficient privilege level.</summary>
    public const byte InsufficientPrivilege = 0xD4;

    /// <summary>Unspecified error.</summary>
    public const byte Unspecified = 0xFF;

    /// <summary>Busy-type codes worth retrying (ironic treats these as retryable too).</summary>
    public static bool IsTransient(byte cc) => cc is NodeBusy or Timeout or OutOfSpace or CannotRespond or 0xD2 /* BMC initialising */;

    /// <summary>A readable name for a completion code.</summary>
    public static string Describe(byte cc) => cc switch
    {
        Ok => "ok",
        NodeBusy => "node busy",
        InvalidCommand => "invalid command",
        0xC2 => "command invalid for LUN",
        Timeout => "timeout while processing command",
        OutOfSpace => "out of space",
        0xC5 => "reservation canceled",
        0xC6 => "request data truncated",
        0xC7 => "request data length invalid",
        0xC8 => "request data field length limit exceeded",
        0xC9 => "parameter out of range",
        0xCA => "cannot return number of requested data bytes",
        0xCB => "requested sensor, data or record not present",
        InvalidDataField => "invalid data field in request",
        0xCD => "command illegal for sensor or record type",
        CannotRespond => "command response could not be provided",
        0xCF => "cannot execute duplicated request",
        0xD0 => "SDR repository in update mode",
        0xD1 => "device in firmware update mode",
        0xD2 => "BMC initialization in progress",
        0xD3 => "destination unavailable",
        InsufficientPrivilege => "insufficient privilege level",
        0xD5 => "command not supported in present state",
        0xD6 => "command sub-function disabled or unavailable",
        Unspecified => "unspecified error",
        _ => "unknown completion code",
    };
}
