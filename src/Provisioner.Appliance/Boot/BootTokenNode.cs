using Provisioner.Boot.Tokens;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Boot;

/// <summary>The node a boot token in a URL path was issued to (installer answer files and images).</summary>
public static class BootTokenNode
{
    /// <summary>The node, or the problem to answer: 403 for a token that does not validate, 404 for a node since deleted.</summary>
    public static async Task<(Node? Node, IResult? Refused)> ResolveAsync(string token, BootTokenService tokens, INodeRepository nodes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(nodes);
        if (tokens.Validate(token, out var problem) is not { } claims)
        {
            return (null, Results.Problem(statusCode: 403, title: "Boot token refused", detail: $"{problem}."));
        }

        var node = await nodes.GetAsync(claims.NodeId, ct).ConfigureAwait(false);
        return node is null
            ? (null, Results.Problem(statusCode: 404, title: "No such node", detail: "The node this boot token was issued to no longer exists."))
            : (node, null);
    }
}
