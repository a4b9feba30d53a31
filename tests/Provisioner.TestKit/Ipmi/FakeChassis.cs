namespace Provisioner.TestKit.Ipmi;

/// <summary>What a <see cref="FakeBmc"/> controls. Implement it to plug a test's own machine model in.</summary>
public interface IChassis
{
    /// <summary>Whether system power is on.</summary>
    bool PowerOn { get; }

    /// <summary>Chassis Control sub-command (0 down, 1 up, 2 cycle, 3 reset, 5 soft); false answers 0xCC.</summary>
    bool Control(byte command);

    /// <summary>Boot flags parameter 5: byte 1 (valid/persistent/EFI) and byte 2 (device selector in bits 5:2).</summary>
    (byte Flags, byte Device) BootFlags { get; set; }

    /// <summary>Chassis Identify: interval in seconds, force on.</summary>
    void Identify(byte seconds, bool force);
}

/// <summary>An in-memory chassis with switches for misbehaviour ("says OK, changes nothing").</summary>
public sealed class FakeChassis : IChassis
{
    private readonly object _gate = new();
    private bool _powerOn;

    /// <summary>Creates a chassis, initially off.</summary>
    public FakeChassis(bool powerOn = false) => _powerOn = powerOn;

    /// <inheritdoc/>
    public bool PowerOn { get { lock (_gate) { return _powerOn; } } }

    /// <summary>Accept Chassis Control with completion code 0 but change nothing.</summary>
    public bool IgnoreControl { get; set; }

    /// <summary>Accept Set Boot Options but keep the old flags.</summary>
    public bool IgnoreBootFlags { get; set; }

    /// <summary>Soft shutdown leaves the power on (an OS that ignores the ACPI button).</summary>
    public bool IgnoreSoftShutdown { get; set; }

    /// <summary>Chassis Control commands received, in order.</summary>
    public List<byte> ControlLog { get; } = [];

    /// <summary>Identify state: seconds, forced.</summary>
    public (byte Seconds, bool Force)? IdentifyState { get; private set; }

    /// <inheritdoc/>
    public (byte Flags, byte Device) BootFlags
    {
        get { lock (_gate) { return _bootFlags; } }
        set { lock (_gate) { if (!IgnoreBootFlags) { _bootFlags = value; } } }
    }

    private (byte Flags, byte Device) _bootFlags;

    /// <summary>Sets power directly (someone pressed the button).</summary>
    public void SetPower(bool on)
    {
        lock (_gate)
        {
            _powerOn = on;
        }
    }

    /// <inheritdoc/>
    public bool Control(byte command)
    {
        lock (_gate)
        {
            ControlLog.Add(command);
            if (IgnoreControl)
            {
                return true;
            }

            switch (command)
            {
                case 0: _powerOn = false; return true;
                case 1: _powerOn = true; return true;
                case 2: _powerOn = true; return true;
                case 3: return true;
                case 5:
                    if (!IgnoreSoftShutdown)
                    {
                        _powerOn = false;
                    }

                    return true;
                default: return false;
            }
        }
    }

    /// <inheritdoc/>
    public void Identify(byte seconds, bool force)
    {
        lock (_gate)
        {
            IdentifyState = (seconds, force);
        }
    }
}
