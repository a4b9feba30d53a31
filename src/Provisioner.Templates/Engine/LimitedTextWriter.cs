using System.Text;

namespace Provisioner.Templates.Engine;

/// <summary>Collects render output and stops the render (throws) once it exceeds the size limit.</summary>
internal sealed class LimitedTextWriter(long maxChars) : TextWriter
{
    private readonly StringBuilder _buffer = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        Reserve(1);
        _buffer.Append(value);
    }

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        Reserve(value.Length);
        _buffer.Append(value);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        Reserve(count);
        _buffer.Append(buffer, index, count);
    }

    public override void Write(ReadOnlySpan<char> buffer)
    {
        Reserve(buffer.Length);
        _buffer.Append(buffer);
    }

    public override string ToString() => _buffer.ToString();

    private void Reserve(int count)
    {
        RenderWatchdog.Tick();
        if (_buffer.Length + (long)count > maxChars)
        {
            throw new TemplateLimitException($"Rendered output exceeds the limit of {maxChars} characters.");
        }
    }
}
