namespace Provisioner.Core.Power;

/// <summary>Why a power operation failed, so callers can decide without parsing messages.</summary>
public enum PowerErrorKind
{
    /// <summary>Anything else.</summary>
    Other = 0,

    /// <summary>Wrong password, unknown user, bad community: retrying does not help.</summary>
    CredentialsRejected = 1,

    /// <summary>The endpoint never answered within the retries.</summary>
    NoResponse = 2,

    /// <summary>The endpoint answered with something malformed or forged.</summary>
    ProtocolError = 3,

    /// <summary>The endpoint cannot do this (cipher suite, command, boot device).</summary>
    Unsupported = 4,

    /// <summary>A required setting is missing or invalid.</summary>
    Misconfigured = 5,

    /// <summary>The endpoint accepted the command but the state did not change within the wait.</summary>
    NotConfirmed = 6,

    /// <summary>The endpoint is busy (no free sessions, node busy, initialising).</summary>
    Busy = 7,

    /// <summary>The endpoint refused the command (an error completion code / HTTP error).</summary>
    Rejected = 8,
}

/// <summary>
/// A power operation failed. <see cref="IsTransient"/> says whether trying again later may succeed
/// (timeouts, busy BMCs) or not (wrong credentials, missing settings, unsupported operations).
/// </summary>
public class PowerException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PowerException(string message, PowerErrorKind kind, bool isTransient, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        IsTransient = isTransient;
    }

    /// <summary>Creates a non-transient error of kind <see cref="PowerErrorKind.Other"/>.</summary>
    public PowerException() : this("Power operation failed.", PowerErrorKind.Other, false) { }

    /// <summary>Creates a non-transient error of kind <see cref="PowerErrorKind.Other"/>.</summary>
    public PowerException(string message) : this(message, PowerErrorKind.Other, false) { }

    /// <summary>Creates a non-transient error of kind <see cref="PowerErrorKind.Other"/>.</summary>
    public PowerException(string message, Exception inner) : this(message, PowerErrorKind.Other, false, inner) { }

    /// <summary>What went wrong, in categories.</summary>
    public PowerErrorKind Kind { get; }

    /// <summary>True when retrying later may succeed.</summary>
    public bool IsTransient { get; }
}
