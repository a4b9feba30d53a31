namespace Provisioner.Ipmi.Wire;

/// <summary>RMCP+ payload types (IPMI v2.0 §13.27.3 table 13-16).</summary>
public enum PayloadType : byte
{
    /// <summary>An IPMI message.</summary>
    Ipmi = 0x00,

    /// <summary>RMCP+ Open Session Request.</summary>
    OpenSessionRequest = 0x10,

    /// <summary>RMCP+ Open Session Response.</summary>
    OpenSessionResponse = 0x11,

    /// <summary>RAKP Message 1.</summary>
    Rakp1 = 0x12,

    /// <summary>RAKP Message 2.</summary>
    Rakp2 = 0x13,

    /// <summary>RAKP Message 3.</summary>
    Rakp3 = 0x14,

    /// <summary>RAKP Message 4.</summary>
    Rakp4 = 0x15,
}
