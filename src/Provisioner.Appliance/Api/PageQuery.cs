using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Api;

/// <summary>One page of a list as the API returns it. <c>total</c> counts every match, not just this page.</summary>
public sealed record PagedResponse<T>(IReadOnlyList<T> Items, long Total, int Offset, int Limit);

public static class PageQuery
{
    public const int DefaultLimit = 50;

    /// <summary>Validates <c>?offset=&amp;limit=</c>: offset ≥ 0, 1 ≤ limit ≤ 1000.</summary>
    public static PageRequest From(int? offset, int? limit)
    {
        var errors = new ValidationErrors();
        if (offset is < 0)
        {
            errors.Add("offset", "Use an offset of 0 or more.");
        }

        if (limit is < 1 or > PageRequest.MaxLimit)
        {
            errors.Add("limit", $"Use a limit between 1 and {PageRequest.MaxLimit}.");
        }

        errors.ThrowIfAny();
        return new PageRequest(offset ?? 0, limit ?? DefaultLimit);
    }

    public static PagedResponse<TOut> Map<TIn, TOut>(Page<TIn> page, Func<TIn, TOut> map) =>
        new(page.Items.Select(map).ToArray(), page.Total, page.Offset, page.Limit);

    /// <summary>Pages a list the store returns whole (zones, images, templates).</summary>
    public static PagedResponse<TOut> Slice<TIn, TOut>(IEnumerable<TIn> all, PageRequest page, Func<TIn, TOut> map)
    {
        var list = all.ToList();
        return new PagedResponse<TOut>(list.Skip(page.SafeOffset).Take(page.SafeLimit).Select(map).ToArray(), list.Count, page.SafeOffset, page.SafeLimit);
    }
}
