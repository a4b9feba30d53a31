using System.Text.Json.Serialization;

namespace Provisioner.Agent.Protocol;

/// <summary>
/// Source-generated serializers for every contract type (the agent is trimmed, so no reflection).
/// camelCase names, enums as camelCase strings, nulls omitted.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(HelloRequest))]
[JsonSerializable(typeof(HelloResponse))]
[JsonSerializable(typeof(HardwareFacts))]
[JsonSerializable(typeof(AgentTask))]
[JsonSerializable(typeof(TaskProgress))]
[JsonSerializable(typeof(TaskResult))]
[JsonSerializable(typeof(LogBatch))]
public sealed partial class AgentJsonContext : JsonSerializerContext;
