using System.Globalization;
using Provisioner.Core.Power;

namespace Provisioner.Power;

/// <summary>Typed reads of driver settings with misconfiguration errors that name the setting.</summary>
internal static class TargetSettings
{
    public static int Int(PowerTarget target, string name, int fallback)
    {
        var text = target.Setting(name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw Misconfigured(target, $"setting '{name}' must be an integer, not '{text}'");
    }

    public static bool Bool(PowerTarget target, string name, bool fallback)
    {
        var text = target.Setting(name);
        return text is null ? fallback : text.Trim().ToLowerInvariant() switch
        {
            "true" or "yes" or "1" or "on" => true,
            "false" or "no" or "0" or "off" => false,
            _ => throw Misconfigured(target, $"setting '{name}' must be true or false, not '{text}'"),
        };
    }

    public static string Required(string? value, PowerTarget target, string what) =>
        string.IsNullOrEmpty(value) ? throw Misconfigured(target, $"{what} is required") : value;

    public static PowerException Misconfigured(PowerTarget target, string detail) =>
        new($"{target}: {detail}.", PowerErrorKind.Misconfigured, isTransient: false);
}
