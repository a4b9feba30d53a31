using System.Collections;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.Json;
using Provisioner.Core.Networking;
using Provisioner.Templates.Engine;

namespace Provisioner.Templates.Context;

/// <summary>
/// Turns the typed <see cref="TemplateContext"/> into the camelCase map tree templates read. One projection for
/// rendering and for the schema, so the documented names are the names templates see.
/// </summary>
internal static class ContextProjection
{
    public static object Project(TemplateContext context) => ProjectValue(context, string.Empty)!;

    public static string MemberName(PropertyInfo property) => JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    public static IEnumerable<PropertyInfo> Members(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .OrderBy(p => p.MetadataToken);

    private static object? ProjectValue(object? value, string path)
    {
        switch (value)
        {
            case null:
                return new NullValue(path);
            case string or bool or int or long or double or decimal:
                return value;
            case Guid g:
                return g.ToString("D");
            case IPAddress ip:
                return ip.ToString();
            case MacAddress mac:
                return mac.ToString();
            case Enum e:
                return JsonNamingPolicy.KebabCaseLower.ConvertName(e.ToString());
            case JsonElement json:
                return ProjectJson(json, path);
            case IDictionary dictionary:
            {
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (DictionaryEntry entry in dictionary)
                {
                    var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
                    map[key] = ProjectValue(entry.Value, $"{path}.{key}");
                }

                return new TemplateMap(map);
            }

            case IEnumerable enumerable:
            {
                var list = new List<object?>();
                var i = 0;
                foreach (var item in enumerable)
                {
                    list.Add(ProjectValue(item, $"{path}.[{i++}]"));
                }

                return new TemplateList(list);
            }

            default:
            {
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in Members(value.GetType()))
                {
                    var name = MemberName(property);
                    map[name] = ProjectValue(property.GetValue(value), path.Length == 0 ? name : $"{path}.{name}");
                }

                return new TemplateMap(map);
            }
        }
    }

    private static object? ProjectJson(JsonElement json, string path) => json.ValueKind switch
    {
        JsonValueKind.Object => new TemplateMap(json.EnumerateObject()
            .ToDictionary(p => p.Name, p => ProjectJson(p.Value, $"{path}.{p.Name}"), StringComparer.Ordinal)),
        JsonValueKind.Array => new TemplateList(json.EnumerateArray().Select((e, i) => ProjectJson(e, $"{path}.[{i}]")).ToList()),
        JsonValueKind.String => json.GetString(),
        JsonValueKind.Number => json.TryGetInt64(out var l) ? l : json.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => new NullValue(path),
    };
}
