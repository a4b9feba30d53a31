using HandlebarsDotNet;
using HandlebarsDotNet.IO;

namespace Provisioner.Templates.Engine;

/// <summary>Printing a field that has no value for this node is an error (strict mode for values, not only names).</summary>
internal sealed class NullValueFormatter : IFormatterProvider, IFormatter
{
    public bool TryCreateFormatter(Type type, out IFormatter formatter)
    {
        formatter = this;
        return type == typeof(NullValue);
    }

    public void Format<T>(T value, in EncodedTextWriter writer)
    {
        var path = (value as NullValue)?.Path ?? "value";
        throw new TemplateRenderException(
            $"'{path}' has no value for this node: guard it with {{{{#if {path}}}}} or give a fallback with {{{{default {path} \"...\"}}}}.");
    }
}
