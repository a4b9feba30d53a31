namespace Provisioner.Agent.Tasks;

/// <summary>A task step failed; the message says why in words an operator can act on.</summary>
public sealed class StepFailedException(string step, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The step that failed, e.g. <c>write-image</c>.</summary>
    public string Step { get; } = step;
}
