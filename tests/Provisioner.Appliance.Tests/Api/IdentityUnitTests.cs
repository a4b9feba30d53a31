using Microsoft.Extensions.DependencyInjection;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Persistence;
using Provisioner.TestKit;
using Provisioner.TestKit.InMemory;

namespace Provisioner.Appliance.Tests.Api;

[Trait("Area", "Api")]
public sealed class IdentityUnitTests
{
    [Fact]
    public void PasswordHasher_RoundTrip_SaltedAndSelfDescribing()
    {
        var a = PasswordHasher.Hash("a long enough password");
        var b = PasswordHasher.Hash("a long enough password");
        Assert.NotEqual(a, b);
        Assert.StartsWith("pbkdf2-sha256$210000$", a, StringComparison.Ordinal);
        Assert.True(PasswordHasher.Verify("a long enough password", a, out var rehash));
        Assert.False(rehash);
        Assert.False(PasswordHasher.Verify("a long enough passwore", a, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("md5$1$x$y")]
    [InlineData("pbkdf2-sha256$1000$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$210000$not-base64$AAAA")]
    [InlineData("pbkdf2-sha256$99999999999$AAAA$AAAA")]
    public void PasswordHasher_MalformedOrWeakStoredHash_NeverVerifies(string stored) =>
        Assert.False(PasswordHasher.Verify("anything at all", stored, out _));

    [Fact]
    public void PasswordHasher_HugePassword_RefusedWithoutHashing() =>
        Assert.False(PasswordHasher.Verify(new string('x', 100_000), PasswordHasher.Hash("a long enough password"), out _));

    [Fact]
    public void SignInThrottle_FiveFailures_LocksUserForWindowOnly()
    {
        var time = new ManualTimeProvider();
        var throttle = new SignInThrottle(time);
        for (var i = 0; i < SignInThrottle.MaxFailures; i++)
        {
            Assert.Null(throttle.RetryAfter("bob", "10.0.0.1"));
            throttle.RecordFailure("bob", "10.0.0.1");
        }

        Assert.Equal(SignInThrottle.Window, throttle.RetryAfter("BOB", "10.0.0.2"));
        Assert.Null(throttle.RetryAfter("carol", "10.0.0.2"));
        time.Advance(SignInThrottle.Window);
        Assert.Null(throttle.RetryAfter("bob", "10.0.0.1"));
    }

    [Fact]
    public void ApiToken_HasPrefixEntropyAndStableHash()
    {
        var t = ApiTokenCodec.NewToken();
        Assert.True(ApiTokenCodec.LooksValid(t));
        Assert.NotEqual(t, ApiTokenCodec.NewToken());
        Assert.Equal(64, ApiTokenCodec.HashOf(t).Length);
        Assert.Equal(ApiTokenCodec.HashOf(t), ApiTokenCodec.HashOf(t));
        Assert.False(ApiTokenCodec.LooksValid("Bearer x"));
    }

    [Fact]
    public async Task AdminCommand_CreateFromStdin_ThenRefusesDuplicate()
    {
        var store = new InMemoryStore();
        var services = new ServiceCollection().AddLogging().AddInMemoryProvisionerStore(store).AddProvisionerIdentity().BuildServiceProvider();
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await AdminCommand.RunAsync(["admin", "create", "root", "--password-stdin"], services, new StringReader("a long enough password\n"), output, error);
        Assert.True(code == 0, error.ToString());
        Assert.Equal(UserRole.Admin, (await store.Users.FindByNameAsync("root", default))!.Role);

        code = await AdminCommand.RunAsync(["admin", "create", "root", "--password-stdin"], services, new StringReader("another long password\n"), output, error);
        Assert.Equal(1, code);
        Assert.Equal(2, await AdminCommand.RunAsync(["admin", "frobnicate"], services, new StringReader(""), output, error));
        Assert.Equal(1, await AdminCommand.RunAsync(["admin", "create", "weak", "--password-stdin"], services, new StringReader("short\n"), output, error));
    }

    [Fact]
    public void TextDiff_InsertedAndRemovedLines_UnifiedFormat()
    {
        var lines = TextDiff.Lines("a\nb\nc\n", "a\nB\nc\nd\n");
        Assert.Equal(["  a", "- b", "+ B", "  c", "+ d", "  "], lines.Select(l => $"{l.Op} {l.Text}").ToArray());
        var unified = TextDiff.Unified(lines, "v1", "v2");
        Assert.StartsWith("--- v1\n+++ v2\n@@ -1,", unified.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
