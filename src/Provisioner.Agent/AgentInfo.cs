using System.Reflection;

namespace Provisioner.Agent;

/// <summary>Build identity of the agent.</summary>
public static class AgentInfo
{
    /// <summary>Informational version of this build.</summary>
    public static string Version { get; } =
        (typeof(AgentInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];
}
