using Provisioner.Core.Persistence;

namespace Provisioner.Templates.Engine;

/// <summary>Resolves <c>{{secret "name"}}</c> from the secret store (serve mode only).</summary>
public sealed class SecretRepositoryResolver(ISecretRepository secrets) : ISecretResolver
{
    public async ValueTask<string?> GetAsync(string name, CancellationToken cancellationToken) =>
        await secrets.GetAsync(name, cancellationToken).ConfigureAwait(false);
}
