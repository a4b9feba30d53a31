using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Provisioner.Core.Networking;

namespace Provisioner.Storage.Sql;

/// <summary>JSON for the document columns (BPOD settings, interfaces, tags, profiles): addresses in their text forms.</summary>
internal static class StoreJson
{
    public static readonly JsonSerializerOptions Options = CreateOptions();

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Stored {typeof(T).Name} is null.");

    private static JsonSerializerOptions CreateOptions()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        o.Converters.Add(new IpAddressConverter());
        o.Converters.Add(new MacAddressConverter());
        o.Converters.Add(new Ipv4NetworkConverter());
        o.Converters.Add(new JsonStringEnumConverter());
        return o;
    }

    private sealed class IpAddressConverter : JsonConverter<IPAddress>
    {
        public override IPAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            IPAddress.Parse(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    private sealed class MacAddressConverter : JsonConverter<MacAddress>
    {
        public override MacAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            MacAddress.Parse(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, MacAddress value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    private sealed class Ipv4NetworkConverter : JsonConverter<Ipv4Network>
    {
        public override Ipv4Network Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Ipv4Network.Parse(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, Ipv4Network value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
