using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Provisioner.Templates.Engine;

/// <summary>
/// A map the templates read. Every lookup and enumeration step ticks the render watchdog, so even a loop that writes
/// nothing can be stopped.
/// </summary>
internal sealed class TemplateMap : IDictionary<string, object?>, IReadOnlyDictionary<string, object?>
{
    private readonly Dictionary<string, object?> _inner;

    public TemplateMap(Dictionary<string, object?> inner) => _inner = inner;

    public object? this[string key]
    {
        get
        {
            RenderWatchdog.Tick();
            return _inner[key];
        }
        set => throw new NotSupportedException("The template context is read-only.");
    }

    public ICollection<string> Keys => _inner.Keys;

    public ICollection<object?> Values => _inner.Values;

    IEnumerable<string> IReadOnlyDictionary<string, object?>.Keys => _inner.Keys;

    IEnumerable<object?> IReadOnlyDictionary<string, object?>.Values => _inner.Values;

    public int Count => _inner.Count;

    public bool IsReadOnly => true;

    public void Add(string key, object? value) => throw new NotSupportedException("The template context is read-only.");

    public void Add(KeyValuePair<string, object?> item) => throw new NotSupportedException("The template context is read-only.");

    public void Clear() => throw new NotSupportedException("The template context is read-only.");

    public bool Contains(KeyValuePair<string, object?> item) => ((ICollection<KeyValuePair<string, object?>>)_inner).Contains(item);

    public bool ContainsKey(string key)
    {
        RenderWatchdog.Tick();
        return _inner.ContainsKey(key);
    }

    public void CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex) =>
        ((ICollection<KeyValuePair<string, object?>>)_inner).CopyTo(array, arrayIndex);

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        foreach (var pair in _inner)
        {
            RenderWatchdog.Tick();
            yield return pair;
        }
    }

    public bool Remove(string key) => throw new NotSupportedException("The template context is read-only.");

    public bool Remove(KeyValuePair<string, object?> item) => throw new NotSupportedException("The template context is read-only.");

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        RenderWatchdog.Tick();
        return _inner.TryGetValue(key, out value);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A list the templates read; enumeration ticks the render watchdog.</summary>
internal sealed class TemplateList : IList<object?>, IReadOnlyList<object?>
{
    private readonly List<object?> _inner;

    public TemplateList(List<object?> inner) => _inner = inner;

    public object? this[int index]
    {
        get
        {
            RenderWatchdog.Tick();
            return _inner[index];
        }
        set => throw new NotSupportedException("The template context is read-only.");
    }

    public int Count => _inner.Count;

    public bool IsReadOnly => true;

    public void Add(object? item) => throw new NotSupportedException("The template context is read-only.");

    public void Clear() => throw new NotSupportedException("The template context is read-only.");

    public bool Contains(object? item) => _inner.Contains(item);

    public void CopyTo(object?[] array, int arrayIndex) => _inner.CopyTo(array, arrayIndex);

    public IEnumerator<object?> GetEnumerator()
    {
        foreach (var item in _inner)
        {
            RenderWatchdog.Tick();
            yield return item;
        }
    }

    public int IndexOf(object? item) => _inner.IndexOf(item);

    public void Insert(int index, object? item) => throw new NotSupportedException("The template context is read-only.");

    public bool Remove(object? item) => throw new NotSupportedException("The template context is read-only.");

    public void RemoveAt(int index) => throw new NotSupportedException("The template context is read-only.");

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Stands for a context field that has no value for this node (no gateway, no image). It is falsy in
/// <c>{{#if}}</c> and <c>{{default}}</c>, but printing it is an error: a missing value must never become an empty
/// kernel argument or an empty YAML scalar. It is an empty sequence because that is what Handlebars' built-in
/// <c>if</c>/<c>unless</c>/<c>each</c> treat as false/empty (they cannot be replaced by helpers).
/// </summary>
internal sealed record NullValue(string Path) : IEnumerable<object?>
{
    public override string ToString() => string.Empty;

    public IEnumerator<object?> GetEnumerator() => Enumerable.Empty<object?>().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A secret in preview/validation mode: printed as <c>&lt;secret:name&gt;</c>, never resolved.</summary>
internal sealed record RedactedSecret(string Name)
{
    public override string ToString() => $"<secret:{Name}>";
}
