using System.Collections;
using System.Reflection;

namespace Provisioner.Templates.Context;

/// <summary>The names templates may use, derived from the <see cref="TemplateContext"/> record tree (the same projection
/// renders it), so validation and documentation cannot drift from what renders.</summary>
public static class ContextSchema
{
    /// <summary>Top-level names ("node", "bpod", ...).</summary>
    public static IReadOnlySet<string> Roots { get; } =
        ContextProjection.Members(typeof(TemplateContext)).Select(ContextProjection.MemberName).ToHashSet(StringComparer.Ordinal);

    /// <summary>Checks a dotted path from the root; returns null when it exists, else why not.</summary>
    public static string? Check(IReadOnlyList<string> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        var type = typeof(TemplateContext);
        var walked = new List<string>();
        foreach (var raw in segments)
        {
            var segment = raw.Trim('[', ']');
            if (IsMap(type))
            {
                return null; // keys of maps (facts, variables) are data, not schema
            }

            if (ElementType(type) is { } element)
            {
                if (!int.TryParse(segment, out _))
                {
                    return $"'{string.Join('.', walked)}' is a list: use {{{{#each}}}} or an index ([0]), not '.{segment}'";
                }

                type = element;
                walked.Add($"[{segment}]");
                continue;
            }

            var property = IsScalar(type) ? null
                : ContextProjection.Members(type).FirstOrDefault(p => ContextProjection.MemberName(p) == segment);
            if (property is null)
            {
                var options = IsScalar(type) ? "it is a value, not an object"
                    : "known: " + string.Join(", ", ContextProjection.Members(type).Select(ContextProjection.MemberName));
                return walked.Count == 0
                    ? $"unknown variable or helper '{segment}'"
                    : $"'{string.Join('.', walked)}' has no field '{segment}' ({options})";
            }

            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            walked.Add(segment);
        }

        return null;
    }

    /// <summary>Every documented path with its type, depth-first ("node.hostname: string").</summary>
    public static IReadOnlyList<(string Path, string Type, bool Optional)> Describe()
    {
        var result = new List<(string, string, bool)>();
        Walk(typeof(TemplateContext), string.Empty, result);
        return result;
    }

    private static void Walk(Type type, string prefix, List<(string, string, bool)> result)
    {
        var nullability = new NullabilityInfoContext();
        foreach (var property in ContextProjection.Members(type))
        {
            var path = prefix + ContextProjection.MemberName(property);
            var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var optional = nullability.Create(property).ReadState == NullabilityState.Nullable;
            result.Add((path, TypeName(t), optional));
            if (ElementType(t) is { } element && !IsScalar(element))
            {
                Walk(element, path + ".[n].", result);
            }
            else if (!IsScalar(t) && !IsMap(t) && ElementType(t) is null)
            {
                Walk(t, path + ".", result);
            }
        }
    }

    private static string TypeName(Type t) =>
        IsMap(t) ? "map" : ElementType(t) is { } e ? $"list of {TypeName(e)}" : IsScalar(t) ? t.Name.ToLowerInvariant() switch
        {
            "int32" or "int64" => "number",
            "boolean" => "bool",
            var n => n,
        } : "object";

    private static bool IsScalar(Type t) => t.IsPrimitive || t == typeof(string) || t == typeof(decimal) || t.IsEnum;

    private static bool IsMap(Type t) =>
        t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>) || t.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        || typeof(IDictionary).IsAssignableFrom(t);

    private static Type? ElementType(Type t) =>
        t != typeof(string) && t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? t.GetGenericArguments()[0] : null;
}
