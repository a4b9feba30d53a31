using System.Text;
using Provisioner.Core.Persistence;

namespace Provisioner.Storage.Tests;

/// <summary>Reversible stand-in for Data Protection: "enc:" + base64, so a test can prove plaintext never reaches the database.</summary>
internal sealed class FakeSecretProtector : ISecretProtector
{
    public const string Prefix = "enc:";

    public string Protect(string plaintext) => Prefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(plaintext));

    public string Unprotect(string protectedText) =>
        protectedText.StartsWith(Prefix, StringComparison.Ordinal)
            ? Encoding.UTF8.GetString(Convert.FromBase64String(protectedText[Prefix.Length..]))
            : throw new InvalidOperationException("Not protected by this protector.");
}
