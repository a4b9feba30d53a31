using Provisioner.Templates.Crypto;
using Provisioner.TestKit;

namespace Provisioner.Templates.Tests.Crypto;

[Trait("Area", "Templates")]
public sealed class Sha512CryptTests
{
    // Test vectors from the specification ("Unix crypt using SHA-256 and SHA-512", U. Drepper).
    [Theory]
    [InlineData("Hello world!", "saltstring", null, "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1")]
    [InlineData("Hello world!", "saltstringsaltstring", 10000, "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.")]
    [InlineData("This is just a test", "toolongsaltstring", 5000, "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0")]
    [InlineData("we have a short salt string but not a short password", "short", 77777, "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0")]
    [InlineData("the minimum number is still observed", "roundstoolow", 10, "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.")]
    public void Hash_SpecVector_MatchesSpec(string password, string salt, int? rounds, string expected)
    {
        Assert.Equal(expected, Sha512Crypt.Hash(password, salt, rounds));
        Assert.True(Sha512Crypt.Verify(password, expected));
        Assert.False(Sha512Crypt.Verify(password + "x", expected));
    }

    [Theory]
    [Trait("Peer", "openssl")]
    [InlineData("secret", "abcdefgh")]
    [InlineData("pässwörd with spaces & $ymbols'\"", "Zz0./9")]
    [InlineData("a-password-longer-than-sixty-four-bytes-so-that-digest-b-is-added-more-than-once-xxxxxxxx", "0123456789abcdef")]
    public async Task Hash_SameInputs_MatchesOpensslPasswd(string password, string salt)
    {
        var openssl = Peers.Require("openssl");

        var (exit, stdout, stderr) = await PeerProcess.RunAsync(openssl, ["passwd", "-6", "-salt", salt, password], timeout: TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, stderr);
        Assert.Equal(stdout.Trim(), Sha512Crypt.Hash(password, salt));
    }

    [Theory]
    [Trait("Peer", "mkpasswd")]
    [InlineData("secret", "abcdefgh", 5000)]
    [InlineData("correct horse battery staple", "saltsaltsalt", 12345)]
    public async Task Hash_WithRounds_MatchesMkpasswd(string password, string salt, int rounds)
    {
        var mkpasswd = Peers.Require("mkpasswd", "whois");

        var (exit, stdout, stderr) = await PeerProcess.RunAsync(mkpasswd,
            ["-m", "sha-512", "-R", rounds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-S", salt, password], timeout: TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, stderr);
        Assert.True(Sha512Crypt.Verify(password, stdout.Trim()), $"mkpasswd gave {stdout.Trim()}");
        Assert.Equal(stdout.Trim(), Sha512Crypt.Hash(password, salt, rounds));
    }
}
