using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Routing;

namespace Provisioner.Appliance.Api;

/// <summary>
/// Builds the OpenAPI 3.0 document served at /openapi/v1.json from the endpoints' ApiExplorer metadata: every route,
/// its parameters, request body and response schemas (generated from the contract records by reflection).
/// </summary>
public sealed class OpenApiDocumentBuilder(IApiDescriptionGroupCollectionProvider explorer)
{
    private readonly Dictionary<Type, string> _named = [];
    private readonly JsonObject _schemas = [];

    public JsonObject Build()
    {
        var paths = new JsonObject();
        var descriptions = explorer.ApiDescriptionGroups.Items.SelectMany(g => g.Items)
            .Where(d => d.RelativePath is not null && d.HttpMethod is not null)
            .OrderBy(d => d.RelativePath, StringComparer.Ordinal);
        foreach (var d in descriptions)
        {
            var path = "/" + StripConstraints(d.RelativePath!.TrimEnd('/'));
            if (paths[path] is not JsonObject item)
            {
                paths[path] = item = [];
            }

            item[d.HttpMethod!.ToLowerInvariant()] = Operation(d);
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.3",
            ["info"] = new JsonObject
            {
                ["title"] = "Provisioner API",
                ["version"] = "v1",
                ["description"] = "Bare-metal provisioning: zones, BPODs, nodes, images, templates, jobs. Errors are RFC 7807 problem details.",
            },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = _schemas,
                ["securitySchemes"] = new JsonObject
                {
                    ["bearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer", ["description"] = "API token (prv_...)" },
                    ["cookie"] = new JsonObject { ["type"] = "apiKey", ["in"] = "cookie", ["name"] = "provisioner.session" },
                },
            },
        };
    }

    private JsonObject Operation(ApiDescription d)
    {
        var metadata = d.ActionDescriptor.EndpointMetadata;
        var op = new JsonObject();
        if (metadata.OfType<ITagsMetadata>().SelectMany(t => t.Tags).Distinct().ToArray() is { Length: > 0 } tags)
        {
            op["tags"] = new JsonArray(tags.Select(t => (JsonNode)t).ToArray());
        }

        if (metadata.OfType<IEndpointNameMetadata>().FirstOrDefault() is { } name)
        {
            op["operationId"] = name.EndpointName;
        }

        var parameters = new JsonArray();
        foreach (var p in d.ParameterDescriptions)
        {
            if (p.Source == BindingSource.Body)
            {
                op["requestBody"] = new JsonObject
                {
                    ["required"] = !IsNullable(p),
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = SchemaFor(p.Type) } },
                };
            }
            else if (p.Source == BindingSource.Path || p.Source == BindingSource.Query || p.Source == BindingSource.Header)
            {
                parameters.Add(new JsonObject
                {
                    ["name"] = p.Name,
                    ["in"] = p.Source == BindingSource.Path ? "path" : p.Source == BindingSource.Query ? "query" : "header",
                    ["required"] = p.Source == BindingSource.Path || p.IsRequired,
                    ["schema"] = SchemaFor(p.Type is null ? typeof(string) : Nullable.GetUnderlyingType(p.Type) ?? p.Type),
                });
            }
        }

        foreach (var accepts in metadata.OfType<IAcceptsMetadata>().Where(a => a.RequestType == typeof(Stream)))
        {
            op["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { [accepts.ContentTypes[0]] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string", ["format"] = "binary" } } },
            };
        }

        if (parameters.Count > 0)
        {
            op["parameters"] = parameters;
        }

        var responses = new JsonObject();
        foreach (var r in d.SupportedResponseTypes.OrderBy(r => r.StatusCode))
        {
            var response = new JsonObject { ["description"] = Describe(r.StatusCode) };
            if (r.Type is { } type && type != typeof(void))
            {
                var contentType = r.ApiResponseFormats.FirstOrDefault()?.MediaType ?? "application/json";
                response["content"] = new JsonObject { [contentType] = new JsonObject { ["schema"] = SchemaFor(type) } };
            }

            responses[r.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response;
        }

        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        if (!anonymous && metadata.OfType<IAuthorizeData>().Any())
        {
            responses["401"] = new JsonObject { ["description"] = "Not authenticated", ["content"] = ProblemContent() };
            responses["403"] = new JsonObject { ["description"] = "Role not allowed", ["content"] = ProblemContent() };
            op["security"] = new JsonArray(new JsonObject { ["bearer"] = new JsonArray() }, new JsonObject { ["cookie"] = new JsonArray() });
        }

        responses["default"] = new JsonObject { ["description"] = "Problem details (RFC 7807)", ["content"] = ProblemContent() };
        op["responses"] = responses;
        return op;
    }

    private static JsonObject ProblemContent() =>
        new() { ["application/problem+json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/ProblemDetails" } } };

    private static bool IsNullable(ApiParameterDescription p) =>
        p.ParameterDescriptor is Microsoft.AspNetCore.Mvc.Abstractions.ParameterDescriptor { ParameterType: var t } && Nullable.GetUnderlyingType(t) is not null
        || !p.IsRequired;

    private JsonNode SchemaFor(Type? type)
    {
        EnsureProblemSchema();
        if (type is null)
        {
            return new JsonObject();
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        if (Primitive(type) is { } primitive)
        {
            return primitive;
        }

        if (type == typeof(JsonElement) || type == typeof(object))
        {
            return new JsonObject();
        }

        if (type.IsEnum)
        {
            return new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(Enum.GetValues(type).Cast<Enum>().Select(e => (JsonNode)ApiNamesOf(e)).ToArray()) };
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = SchemaFor(valueType) };
        }

        if (type != typeof(string) && ElementType(type) is { } element)
        {
            return new JsonObject { ["type"] = "array", ["items"] = SchemaFor(element) };
        }

        return Reference(type);
    }

    private JsonObject Reference(Type type)
    {
        if (!_named.TryGetValue(type, out var name))
        {
            name = type.IsGenericType
                ? type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)] + "Of" + string.Concat(type.GetGenericArguments().Select(a => a.Name))
                : type.Name;
            _named[type] = name;
            _schemas[name] = new JsonObject(); // placeholder breaks recursion
            var properties = new JsonObject();
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
            {
                properties[JsonNamingPolicy.CamelCase.ConvertName(p.Name)] = SchemaFor(p.PropertyType);
            }

            _schemas[name] = new JsonObject { ["type"] = "object", ["properties"] = properties };
        }

        return new JsonObject { ["$ref"] = "#/components/schemas/" + name };
    }

    private void EnsureProblemSchema()
    {
        if (_schemas.ContainsKey("ProblemDetails"))
        {
            return;
        }

        _schemas["ProblemDetails"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["type"] = new JsonObject { ["type"] = "string" },
                ["title"] = new JsonObject { ["type"] = "string" },
                ["status"] = new JsonObject { ["type"] = "integer" },
                ["detail"] = new JsonObject { ["type"] = "string" },
                ["errors"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } } },
                ["allowedActions"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
            },
        };
    }

    private static JsonObject? Primitive(Type t) =>
        t == typeof(string) ? new JsonObject { ["type"] = "string" }
        : t == typeof(bool) ? new JsonObject { ["type"] = "boolean" }
        : t == typeof(int) || t == typeof(short) || t == typeof(byte) ? new JsonObject { ["type"] = "integer", ["format"] = "int32" }
        : t == typeof(long) ? new JsonObject { ["type"] = "integer", ["format"] = "int64" }
        : t == typeof(double) || t == typeof(float) || t == typeof(decimal) ? new JsonObject { ["type"] = "number" }
        : t == typeof(Guid) ? new JsonObject { ["type"] = "string", ["format"] = "uuid" }
        : t == typeof(DateTimeOffset) || t == typeof(DateTime) ? new JsonObject { ["type"] = "string", ["format"] = "date-time" }
        : t == typeof(Stream) ? new JsonObject { ["type"] = "string", ["format"] = "binary" }
        : null;

    private static Type? DictionaryValueType(Type t)
    {
        var dict = t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>) || t.GetGenericTypeDefinition() == typeof(IDictionary<,>)
                                       || t.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            ? t
            : t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>));
        return dict?.GetGenericArguments()[1];
    }

    private static Type? ElementType(Type t) =>
        t.IsArray ? t.GetElementType()
        : typeof(IEnumerable).IsAssignableFrom(t)
            ? (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IEnumerable<>) ? t : t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)))
                ?.GetGenericArguments()[0]
            : null;

    private static string ApiNamesOf(Enum e)
    {
        var method = typeof(ApiNames).GetMethod(nameof(ApiNames.Of))!.MakeGenericMethod(e.GetType());
        return (string)method.Invoke(null, [e])!;
    }

    private static string StripConstraints(string path) =>
        System.Text.RegularExpressions.Regex.Replace(path, @"\{([^}:=?]+)[^}]*\}", "{$1}");

    private static string Describe(int status) => status switch
    {
        200 => "OK",
        201 => "Created",
        202 => "Accepted: a job was queued",
        204 => "Done, no content",
        400 => "Invalid request",
        404 => "Not found",
        409 => "Conflict",
        _ => "Response",
    };
}
