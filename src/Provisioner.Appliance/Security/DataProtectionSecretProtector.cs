using Microsoft.AspNetCore.DataProtection;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Security;

/// <summary>Encrypts BMC passwords and named secrets at rest with ASP.NET Core Data Protection (keys in the data directory).</summary>
public sealed class DataProtectionSecretProtector(IDataProtectionProvider provider) : ISecretProtector
{
    private readonly IDataProtector _protector = provider.CreateProtector("Provisioner.Secrets.v1");

    public string Protect(string plaintext) => _protector.Protect(plaintext);

    public string Unprotect(string protectedText) => _protector.Unprotect(protectedText);
}
