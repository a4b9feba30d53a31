namespace Provisioner.Ipmi;

/// <summary>Categories of IPMI failures a caller acts on.</summary>
public enum IpmiErrorKind
{
    /// <summary>No valid answer after every retry.</summary>
    NoResponse,

    /// <summary>Wrong password (RAKP 2 code mismatch or RAKP 4 status 0x0f/0x0d).</summary>
    WrongPassword,

    /// <summary>The BMC does not know the user (RAKP 2 status 0x0d).</summary>
    UnknownUser,

    /// <summary>The privilege level is not allowed for the user (status 0x09/0x0a/0x0b? or Set Session Privilege).</summary>
    PrivilegeRejected,

    /// <summary>No cipher suite both sides support.</summary>
    UnsupportedCipherSuite,

    /// <summary>The BMC is out of sessions or busy (retry later).</summary>
    Busy,

    /// <summary>A command answered with an error completion code.</summary>
    CompletionCode,

    /// <summary>Session setup failed for another RMCP+ status.</summary>
    SessionRejected,

    /// <summary>The BMC does not speak IPMI 2.0 / RMCP+.</summary>
    NotIpmi20,

    /// <summary>Replies kept failing validation (forged or corrupt).</summary>
    InvalidReplies,
}

/// <summary>An IPMI operation failed; the message names the BMC and the reason.</summary>
public sealed class IpmiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IpmiException(IpmiErrorKind kind, string message, byte completionCode = 0, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        CompletionCode = completionCode;
    }

    /// <summary>Creates the exception (kind <see cref="IpmiErrorKind.NoResponse"/>).</summary>
    public IpmiException() : this(IpmiErrorKind.NoResponse, "IPMI operation failed.") { }

    /// <summary>Creates the exception (kind <see cref="IpmiErrorKind.NoResponse"/>).</summary>
    public IpmiException(string message) : this(IpmiErrorKind.NoResponse, message) { }

    /// <summary>Creates the exception (kind <see cref="IpmiErrorKind.NoResponse"/>).</summary>
    public IpmiException(string message, Exception inner) : this(IpmiErrorKind.NoResponse, message, 0, inner) { }

    /// <summary>The category.</summary>
    public IpmiErrorKind Kind { get; }

    /// <summary>The completion code for <see cref="IpmiErrorKind.CompletionCode"/>.</summary>
    public byte CompletionCode { get; }

    /// <summary>True when trying again later may work.</summary>
    public bool IsTransient => Kind is IpmiErrorKind.NoResponse or IpmiErrorKind.Busy or IpmiErrorKind.InvalidReplies
        || (Kind == IpmiErrorKind.CompletionCode && CompletionCodes.IsTransient(CompletionCode));
}
