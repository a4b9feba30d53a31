namespace Provisioner.Core.Persistence;

/// <summary>One page of a list, with the total number of matching rows.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, long Total, int Offset, int Limit);

/// <summary>Paging of a list query. <see cref="Limit"/> is capped by the stores (at most 1000).</summary>
public sealed record PageRequest(int Offset = 0, int Limit = 100)
{
    public const int MaxLimit = 1000;

    public int SafeLimit => Math.Clamp(Limit, 1, MaxLimit);

    public int SafeOffset => Math.Max(0, Offset);
}
