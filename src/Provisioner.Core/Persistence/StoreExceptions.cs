namespace Provisioner.Core.Persistence;

/// <summary>An update was made from an out-of-date copy: someone else changed the object first. Re-read and retry.</summary>
public sealed class ConcurrencyException : Exception
{
    public ConcurrencyException() { }

    public ConcurrencyException(string message) : base(message) { }

    public ConcurrencyException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>An object with the same unique key (name, MAC, hostname) already exists.</summary>
public sealed class DuplicateException : Exception
{
    public DuplicateException() { }

    public DuplicateException(string message) : base(message) { }

    public DuplicateException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The database was written by a newer Provisioner than this one; refuse to start rather than corrupt it.</summary>
public sealed class SchemaTooNewException : Exception
{
    public SchemaTooNewException() { }

    public SchemaTooNewException(string message) : base(message) { }

    public SchemaTooNewException(string message, Exception inner) : base(message, inner) { }
}
