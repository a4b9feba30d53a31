namespace Provisioner.Templates.Engine;

/// <summary>How a render treats secrets.</summary>
public enum RenderMode
{
    /// <summary>Preview and validation: <c>{{secret "x"}}</c> renders as <c>&lt;secret:x&gt;</c>; nothing is resolved.</summary>
    Preview = 1,

    /// <summary>Serving a node: secrets are resolved through an <see cref="ISecretResolver"/> and appear in the output.</summary>
    Serve = 2,
}

/// <summary>Resolves a secret by name, only for <see cref="RenderMode.Serve"/> renders.</summary>
public interface ISecretResolver
{
    /// <summary>The secret's value, or null when no secret has that name.</summary>
    ValueTask<string?> GetAsync(string name, CancellationToken cancellationToken);
}

/// <summary>Per-render state the helpers read (ambient per thread, like <see cref="RenderWatchdog"/>).</summary>
internal sealed class RenderState
{
    [ThreadStatic]
    private static RenderState? _current;

    public RenderState(IReadOnlyDictionary<string, string>? secretValues, string saltSeed)
    {
        SecretValues = secretValues;
        SaltSeed = saltSeed;
    }

    public static RenderState Current => _current ?? throw new InvalidOperationException("No render in progress.");

    /// <summary>null: preview (or the first, collecting pass of a serve render): secrets render redacted.</summary>
    public IReadOnlyDictionary<string, string>? SecretValues { get; }

    /// <summary>Names of every secret the template asked for, in order of first use.</summary>
    public List<string> SecretsUsed { get; } = [];

    /// <summary>Makes default crypt salts stable per node (repeatable previews and golden files) yet distinct across nodes.</summary>
    public string SaltSeed { get; }

    public static IDisposable Enter(RenderState state)
    {
        var previous = _current;
        _current = state;
        return new Scope(previous);
    }

    private sealed class Scope(RenderState? previous) : IDisposable
    {
        public void Dispose() => _current = previous;
    }
}
