using System.Globalization;

namespace Provisioner.Snmp;

/// <summary>An object identifier such as 1.3.6.1.4.1.318.1.1.4.4.2.1.3.1.</summary>
public sealed class Oid : IEquatable<Oid>, IComparable<Oid>
{
    private readonly uint[] _arcs;

    /// <summary>Creates an OID from its arcs (at least two; first 0-2, second below 40 unless the first is 2).</summary>
    public Oid(params uint[] arcs)
    {
        ArgumentNullException.ThrowIfNull(arcs);
        if (arcs.Length < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40))
        {
            throw new ArgumentException("An OID has at least two arcs, the first 0, 1 or 2.", nameof(arcs));
        }

        _arcs = arcs;
    }

    /// <summary>The arcs.</summary>
    public IReadOnlyList<uint> Arcs => _arcs;

    /// <summary>Parses dotted notation, with or without a leading dot.</summary>
    public static Oid Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Trim().TrimStart('.').Split('.');
        var arcs = new uint[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!uint.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out arcs[i]))
            {
                throw new FormatException($"'{text}' is not a dotted OID.");
            }
        }

        return new Oid(arcs);
    }

    /// <summary>This OID with more arcs appended (a table column plus an index).</summary>
    public Oid Append(params uint[] more) => new([.. _arcs, .. more]);

    /// <summary>True when <paramref name="other"/> lies under this OID.</summary>
    public bool IsPrefixOf(Oid other) => other._arcs.Length > _arcs.Length && other._arcs.AsSpan(0, _arcs.Length).SequenceEqual(_arcs);

    /// <inheritdoc/>
    public bool Equals(Oid? other) => other is not null && _arcs.AsSpan().SequenceEqual(other._arcs);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Oid);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var a in _arcs)
        {
            h.Add(a);
        }

        return h.ToHashCode();
    }

    /// <inheritdoc/>
    public int CompareTo(Oid? other)
    {
        if (other is null)
        {
            return 1;
        }

        return _arcs.AsSpan().SequenceCompareTo(other._arcs);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join('.', _arcs);
}
