using Provisioner.Boot.Tokens;
using Provisioner.TestKit;

namespace Provisioner.Boot.Tests.Tokens;

[Trait("Area", "Boot")]
public sealed class BootTokenServiceTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly byte[] _key = BootTokenService.NewKey();

    [Fact]
    public void Validate_IssuedToken_ReturnsItsClaims()
    {
        var tokens = new BootTokenService(_key, _time);
        var node = Guid.NewGuid();
        var boot = Guid.NewGuid();

        var claims = tokens.Validate(tokens.Issue(node, boot, TimeSpan.FromMinutes(30)), out var problem);

        Assert.Null(problem);
        Assert.NotNull(claims);
        Assert.Equal(node, claims.NodeId);
        Assert.Equal(boot, claims.BootId);
        Assert.Equal(_time.GetUtcNow().AddMinutes(30).ToUnixTimeSeconds(), claims.ExpiresAt.ToUnixTimeSeconds());
    }

    [Fact]
    public void Validate_AfterExpiry_RefusedWithReason()
    {
        var tokens = new BootTokenService(_key, _time);
        var token = tokens.Issue(Guid.NewGuid(), Guid.NewGuid(), TimeSpan.FromMinutes(5));
        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        Assert.Null(tokens.Validate(token, out var problem));
        Assert.Contains("expired", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TokenFromAnotherKey_Refused()
    {
        var other = new BootTokenService(BootTokenService.NewKey(), _time);
        var tokens = new BootTokenService(_key, _time);

        Assert.Null(tokens.Validate(other.Issue(Guid.NewGuid(), Guid.NewGuid()), out var problem));
        Assert.Contains("signature", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OneCharacterChanged_Refused()
    {
        var tokens = new BootTokenService(_key, _time);
        var token = tokens.Issue(Guid.NewGuid(), Guid.NewGuid());
        // Change a character of the payload (it names the node): the signature must no longer match.
        var chars = token.ToCharArray();
        chars[5] = chars[5] == 'A' ? 'B' : 'A';

        Assert.Null(tokens.Validate(new string(chars), out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("no-dot-here")]
    [InlineData(".")]
    [InlineData("!!!.???")]
    [InlineData("AAAA.BBBB")]
    public void Validate_Garbage_RefusedWithoutThrowing(string? token)
    {
        var tokens = new BootTokenService(_key, _time);
        Assert.Null(tokens.Validate(token, out var problem));
        Assert.NotNull(problem);
    }

    [Fact]
    public void Validate_HugeToken_RefusedWithoutParsing()
    {
        var tokens = new BootTokenService(_key, _time);
        Assert.Null(tokens.Validate(new string('A', 100_000), out _));
    }
}
