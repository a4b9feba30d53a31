namespace Provisioner.Agent.Protocol;

/// <summary>
/// The HTTP routes of the agent API (all under <see cref="Prefix"/>), the kernel command line parameters the
/// appliance's iPXE script passes to the live image, and the console marker the agent prints.
/// Documented in docs/agent-protocol.md.
/// </summary>
public static class AgentApi
{
    /// <summary>Version prefix of every agent route. A breaking change gets a new prefix.</summary>
    public const string Prefix = "/api/agent/v1";

    /// <summary><c>POST</c> <see cref="HelloRequest"/> → <see cref="HelloResponse"/>.</summary>
    public const string Hello = Prefix + "/hello";

    /// <summary><c>PUT</c> <see cref="HardwareFacts"/> → 204.</summary>
    public const string Facts = Prefix + "/facts";

    /// <summary><c>GET ?waitSeconds=N</c> (long poll) → <see cref="AgentTask"/>, or 204 when there is nothing to do yet.</summary>
    public const string Task = Prefix + "/task";

    /// <summary><c>POST</c> <see cref="LogBatch"/> → 204.</summary>
    public const string Log = Prefix + "/log";

    /// <summary><c>GET</c>/<c>HEAD</c> <c>{Images}/{path}</c> (Range, If-Range, ETag): a file of the appliance's images directory,
    /// e.g. a chunked image's <c>NAME/index.json</c> and its chunk data file. Deploy tasks point here.</summary>
    public const string Images = Prefix + "/images";

    /// <summary>Longest long-poll wait the agent asks for; the appliance may answer 204 sooner.</summary>
    public const int MaxWaitSeconds = 60;

    /// <summary><c>POST</c> <see cref="TaskProgress"/> → 204.</summary>
    public static string Progress(string taskId) => $"{Prefix}/tasks/{Uri.EscapeDataString(taskId)}/progress";

    /// <summary><c>POST</c> <see cref="TaskResult"/> → 204.</summary>
    public static string Result(string taskId) => $"{Prefix}/tasks/{Uri.EscapeDataString(taskId)}/result";

    /// <summary>Kernel parameter carrying the appliance base URL, e.g. <c>http://10.77.0.1:8080</c>.</summary>
    public const string UrlParameter = "provisioner.url";

    /// <summary>Kernel parameter carrying the per-boot bearer token.</summary>
    public const string TokenParameter = "provisioner.token";

    /// <summary>iPXE's <c>BOOTIF=01-aa-bb-cc-dd-ee-ff</c> (ARP hardware type 1, then the MAC of the PXE NIC).</summary>
    public const string BootInterfaceParameter = "BOOTIF";

    /// <summary>Prefix of the machine-readable console lines: <c>PROVISIONER-EVENT &lt;name&gt; k=v ...</c>.</summary>
    public const string ConsoleEventPrefix = "PROVISIONER-EVENT";
}
