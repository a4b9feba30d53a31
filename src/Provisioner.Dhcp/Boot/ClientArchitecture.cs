namespace Provisioner.Dhcp.Boot;

/// <summary>Client system architecture, option 93 (RFC 4578 §2.1 and the IANA "Processor Architecture Types" registry).</summary>
public enum ClientArchitecture : ushort
{
    /// <summary>x86 BIOS (legacy PXE ROM).</summary>
    X86Bios = 0,
    /// <summary>EFI IA32.</summary>
    EfiIa32 = 6,
    /// <summary>EFI BC (x86-64 in practice: the arch EDK2 once sent for x64).</summary>
    EfiBc = 7,
    /// <summary>EFI x86-64.</summary>
    EfiX64 = 9,
    /// <summary>ARM 64-bit UEFI.</summary>
    EfiArm64 = 11,
    /// <summary>x86-64 UEFI HTTP boot.</summary>
    EfiX64Http = 16,
    /// <summary>ARM 64-bit UEFI HTTP boot.</summary>
    EfiArm64Http = 19,
}
