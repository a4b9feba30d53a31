using Provisioner.Core.Power;
using Provisioner.Snmp;

namespace Provisioner.Power.SnmpPdu;

/// <summary>The OIDs and values that switch outlets on one PDU family; every field can be overridden per PDU.</summary>
/// <param name="ControlColumn">Column written to switch an outlet (outlet number appended).</param>
/// <param name="StatusColumn">Column read for the state (often the same).</param>
/// <param name="OnCommand">Value written for on.</param>
/// <param name="OffCommand">Value written for off.</param>
/// <param name="RebootCommand">Value written for a power cycle, or null to switch off and on.</param>
/// <param name="OnStatus">Value read back when on.</param>
/// <param name="OffStatus">Value read back when off.</param>
public sealed record PduModel(Oid ControlColumn, Oid StatusColumn, int OnCommand, int OffCommand, int? RebootCommand, int OnStatus, int OffStatus)
{
    /// <summary>APC PowerNet-MIB sPDUOutletCtl (Masterswitch / AP79xx in compatibility mode, as MAAS's apc driver uses): 1 on, 2 off, 3 reboot.</summary>
    public static PduModel ApcSpdu { get; } = new(Oid.Parse("1.3.6.1.4.1.318.1.1.4.4.2.1.3"), Oid.Parse("1.3.6.1.4.1.318.1.1.4.4.2.1.3"), 1, 2, 3, 1, 2);

    /// <summary>APC PowerNet-MIB rPDU: rPDUOutletControlOutletCommand (1 immediateOn, 2 immediateOff, 3 immediateReboot) and rPDUOutletStatusOutletState (1 on, 2 off).</summary>
    public static PduModel ApcRpdu { get; } = new(Oid.Parse("1.3.6.1.4.1.318.1.1.12.3.3.1.1.4"), Oid.Parse("1.3.6.1.4.1.318.1.1.12.3.5.1.1.4"), 1, 2, 3, 1, 2);

    /// <summary>The model named by the "pdu_model" setting, with per-PDU overrides applied.</summary>
    public static PduModel For(PowerTarget target)
    {
        var name = target.Setting("pdu_model", "apc-spdu")!.ToLowerInvariant();
        var model = name switch
        {
            "apc-spdu" or "apc" => ApcSpdu,
            "apc-rpdu" => ApcRpdu,
            "custom" => ApcSpdu,
            _ => throw TargetSettings.Misconfigured(target, $"PDU model '{name}' is unknown (apc-spdu, apc-rpdu, custom)"),
        };
        try
        {
            return model with
            {
                ControlColumn = target.Setting("control_oid") is { } c ? Oid.Parse(c) : model.ControlColumn,
                StatusColumn = target.Setting("status_oid") is { } s ? Oid.Parse(s) : target.Setting("control_oid") is { } c2 && name == "custom" ? Oid.Parse(c2) : model.StatusColumn,
                OnCommand = TargetSettings.Int(target, "on_value", model.OnCommand),
                OffCommand = TargetSettings.Int(target, "off_value", model.OffCommand),
                RebootCommand = target.Setting("reboot_value") is null ? model.RebootCommand : TargetSettings.Int(target, "reboot_value", 0) is var r && r > 0 ? r : null,
                OnStatus = TargetSettings.Int(target, "status_on_value", model.OnStatus),
                OffStatus = TargetSettings.Int(target, "status_off_value", model.OffStatus),
            };
        }
        catch (FormatException e)
        {
            throw TargetSettings.Misconfigured(target, e.Message);
        }
        catch (ArgumentException e)
        {
            throw TargetSettings.Misconfigured(target, e.Message);
        }
    }
}
