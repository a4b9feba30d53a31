namespace Provisioner.Appliance.Options;

/// <summary>Which DHCP role the appliance plays on its provisioning interfaces.</summary>
public enum DhcpMode
{
    /// <summary>No DHCP at all (another server does everything, nodes boot from media or a foreign PXE setup).</summary>
    Off,

    /// <summary>The appliance owns the BPOD pools: addresses and boot information.</summary>
    Authoritative,

    /// <summary>proxyDHCP beside an existing DHCP server: boot information only, to PXE clients only.</summary>
    Proxy,
}

/// <summary>Which database holds the appliance's state.</summary>
public enum StorageProvider
{
    /// <summary>One SQLite file in the data directory (the embedded default).</summary>
    Sqlite,

    /// <summary>A PostgreSQL database shared by several appliances.</summary>
    Postgres,
}

/// <summary>Console log format.</summary>
public enum LogFormat
{
    /// <summary>Human-readable lines (the default on a terminal).</summary>
    Plain,

    /// <summary>One JSON object per line, for log shippers.</summary>
    Json,
}

/// <summary>
/// Every setting of the appliance, with its default. Bound from (in increasing priority) the file given with
/// <c>--config</c>, environment variables <c>PROVISIONER__Section__Key</c> and the command line (<c>--Section:Key=value</c>).
/// docs/configuration.md documents each one; keep the two in step.
/// </summary>
public sealed class ApplianceSettings
{
    /// <summary>Where the appliance keeps its database, keys and imported images.</summary>
    public string DataDirectory { get; set; } = "var";

    /// <summary>The URL nodes use to reach the appliance's HTTP server (iPXE scripts, kernels, images, agent API).
    /// Empty: derived from the first HTTP listen URL (which must then not be a wildcard address).</summary>
    public string PublicBaseUrl { get; set; } = string.Empty;

    /// <summary>A name for this appliance in logs and job leases, unique among the appliances sharing a database (a second live
    /// appliance with the same name is refused at start-up).</summary>
    public string ApplianceName { get; set; } = Environment.MachineName;

    /// <summary>The Data Protection key ring that encrypts BMC passwords and secrets in the database. Empty: "keys" in the
    /// data directory. Appliances sharing a database must share it (the same directory, or a copy of the first one's).</summary>
    public string KeyRingDirectory { get; set; } = string.Empty;

    public StorageSettings Storage { get; set; } = new();

    public HttpSettings Http { get; set; } = new();

    public DhcpSettings Dhcp { get; set; } = new();

    public TftpSettings Tftp { get; set; } = new();

    public PathSettings Paths { get; set; } = new();

    public LogSettings Log { get; set; } = new();

    public JobSettings Jobs { get; set; } = new();

    public PowerSettings Power { get; set; } = new();

    /// <summary>The REST API: image upload limit and import chunk size (Api:ImagesDirectory is ignored: Paths:Images rules).</summary>
    public Api.ApiOptions Api { get; set; } = new();
}

public sealed class PowerSettings
{
    /// <summary>How often the power monitor refreshes every node's power state; 0 turns it off.</summary>
    public int MonitorIntervalSeconds { get; set; } = 60;
}

public sealed class StorageSettings
{
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>PostgreSQL connection string (required for Postgres); for SQLite, optional path of the database file
    /// (default: provisioner.db in the data directory).</summary>
    public string ConnectionString { get; set; } = string.Empty;
}

public sealed class HttpSettings
{
    /// <summary>URLs Kestrel listens on, separated by ';'.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";
}

public sealed class DhcpSettings
{
    public DhcpMode Mode { get; set; } = DhcpMode.Off;

    /// <summary>Interfaces to serve DHCP on (L2 BPODs' segments and the interface relayed requests arrive on).</summary>
    public List<string> Interfaces { get; set; } = [];

    /// <summary>Answer IPv6 router solicitations with a router advertisement of lifetime 0, so iPXE does not wait ~16 s for an IPv6 router.</summary>
    public bool RouterAdvertisements { get; set; } = true;

    /// <summary>UDP port the server listens on (67; tests and benchmarks may move it).</summary>
    public int Port { get; set; } = 67;
}

public sealed class TftpSettings
{
    public bool Enabled { get; set; } = true;

    /// <summary>Address to listen on.</summary>
    public string Address { get; set; } = "0.0.0.0";

    public int Port { get; set; } = 69;

}

public sealed class PathSettings
{
    /// <summary>Boot loaders served over TFTP and HTTP (pxe/ from make).</summary>
    public string Pxe { get; set; } = "pxe";

    /// <summary>Default templates seeded into the store.</summary>
    public string Templates { get; set; } = "templates";

    /// <summary>The live image (vmlinuz, initrd.img, manifest) built by images/live/build.sh.</summary>
    public string LiveImage { get; set; } = "images/live/out";

    /// <summary>Imported OS images; empty = "images" under the data directory.</summary>
    public string Images { get; set; } = string.Empty;
}

public sealed class LogSettings
{
    public LogFormat Format { get; set; } = LogFormat.Plain;
}

public sealed class JobSettings
{
    /// <summary>Run the job engine in this appliance.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Jobs running at once on this appliance.</summary>
    public int MaxConcurrent { get; set; } = 16;

    /// <summary>How long a job waits, after powering a node on, for its live agent (firmware, PXE, live boot).</summary>
    public int WaitAgentMinutes { get; set; } = 15;

    /// <summary>How long a job's lease (and this appliance's name) outlives its last heartbeat: after a crash, another
    /// appliance on the same database takes the running jobs over this long after the last heartbeat. Heartbeats come
    /// every third of it.</summary>
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>How often one step of a job may be cut off by its appliance stopping mid-step and still be run again; once
    /// more and the job fails instead (a step that crashes the appliance every time must not make it crash-loop).</summary>
    public int MaxStepInterruptions { get; set; } = 3;

    /// <summary>Ids of the BPODs whose rack-bound jobs (commission, deploy...) this appliance claims, for several
    /// appliances on one PostgreSQL database, one per rack or zone. Empty: every BPOD.</summary>
    public List<string> ServedBpods { get; set; } = [];
}
