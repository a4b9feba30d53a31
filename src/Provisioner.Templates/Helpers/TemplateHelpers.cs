using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using HandlebarsDotNet;
using Provisioner.Core.Networking;
using Provisioner.Templates.Crypto;
using Provisioner.Templates.Engine;
using static Provisioner.Templates.Helpers.HelperArguments;

namespace Provisioner.Templates.Helpers;

/// <summary>The helpers templates may call. docs/templates.md documents each; the validator knows them by <see cref="Names"/>.</summary>
public static class TemplateHelpers
{
    /// <summary>Every helper name, including the built-in block helpers templates may use.</summary>
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal)
    {
        // built-in (Handlebars) block and inline helpers we keep
        "if", "unless", "each", "with", "lookup",
        // network
        "netmask", "prefixLength", "network", "broadcast", "nthHost", "cidr", "ipAddress",
        // quoting and encoding
        "base64", "json", "yaml", "shell", "kernelArg", "ipxeArg", "urlencode", "ruby", "oneLine", "shellJoin",
        // text
        "indent", "nindent", "join", "split", "default", "lower", "upper", "trim", "replace", "concat",
        // comparison
        "eq", "ne", "contains", "and", "or", "not",
        // node data, secrets, credentials
        "get", "secret", "sha512crypt", "sshKeys",
    };

    internal static void Register(IHandlebars hb)
    {
        RegisterNetwork(hb);
        RegisterQuoting(hb);
        RegisterText(hb);
        RegisterComparison(hb);
        RegisterNodeData(hb);
    }

    private static void Register(IHandlebars hb, string name, Func<Arguments, object?> body) =>
        hb.RegisterHelper(name, (in HelperOptions _, in HandlebarsDotNet.Context _, in Arguments args) =>
        {
            RenderWatchdog.Tick();
            return body(args);
        });

    private static void RegisterNetwork(IHandlebars hb)
    {
        Register(hb, "netmask", a => { Count("netmask", a, 1, 1, "a CIDR (10.0.0.0/24)"); return Cidr("netmask", a[0]).Netmask.ToString(); });
        Register(hb, "prefixLength", a =>
        {
            Count("prefixLength", a, 1, 1, "a CIDR or a netmask");
            var text = Text("prefixLength", a[0]);
            return text.Contains('/', StringComparison.Ordinal) ? Cidr("prefixLength", text).PrefixLength : PrefixOfMask(text);
        });
        Register(hb, "network", a => { Count("network", a, 1, 1, "a CIDR"); return Cidr("network", a[0]).NetworkAddress.ToString(); });
        Register(hb, "broadcast", a => { Count("broadcast", a, 1, 1, "a CIDR"); return Cidr("broadcast", a[0]).Broadcast.ToString(); });
        Register(hb, "nthHost", a =>
        {
            Count("nthHost", a, 2, 2, "a CIDR and a host number (negative counts back from the broadcast address)");
            var net = Cidr("nthHost", a[0]);
            var n = Integer("nthHost", a[1]);
            var index = n < 0 ? (long)net.Size + n - 1 : n;
            try
            {
                return net.Host(index).ToString();
            }
            catch (ArgumentOutOfRangeException)
            {
                throw new TemplateRenderException($"nthHost: {net} has no host number {n}.");
            }
        });
        Register(hb, "cidr", a =>
        {
            Count("cidr", a, 2, 2, "an address and a prefix length, netmask or CIDR");
            var ip = Address("cidr", a[0]);
            var p = Text("cidr", a[1]);
            var length = p.Contains('/', StringComparison.Ordinal) ? Cidr("cidr", p).PrefixLength
                : p.Contains('.', StringComparison.Ordinal) ? PrefixOfMask(p) : Integer("cidr", p);
            if (length is < 0 or > 32)
            {
                throw new TemplateRenderException($"cidr: prefix length {length} is not between 0 and 32.");
            }

            return $"{ip}/{length}";
        });
        Register(hb, "ipAddress", a =>
        {
            Count("ipAddress", a, 1, 1, "an address with a prefix (10.0.0.5/24)");
            var text = Text("ipAddress", a[0]);
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            return Address("ipAddress", slash < 0 ? text : text[..slash]).ToString();
        });
    }

    private static void RegisterQuoting(IHandlebars hb)
    {
        Register(hb, "base64", a => { Count("base64", a, 1, 1, "a value"); return Convert.ToBase64String(Encoding.UTF8.GetBytes(Text("base64", a[0]))); });
        Register(hb, "json", a =>
        {
            Count("json", a, 1, 1, "a value");
            if (a[0] is NullValue n)
            {
                throw new TemplateRenderException($"json: '{n.Path}' has no value for this node.");
            }

            return Quoting.Json(a[0]);
        });
        Register(hb, "yaml", a => { Count("yaml", a, 1, 1, "a value"); return Quoting.Yaml(Text("yaml", a[0])); });
        Register(hb, "shell", a => { Count("shell", a, 1, 1, "a value"); return Quoting.Shell(Text("shell", a[0])); });
        Register(hb, "kernelArg", a => { Count("kernelArg", a, 1, 1, "a value"); return Quoting.KernelArg(Text("kernelArg", a[0])); });
        Register(hb, "ipxeArg", a => { Count("ipxeArg", a, 1, 1, "a value"); return Quoting.IpxeArg(Text("ipxeArg", a[0])); });
        Register(hb, "shellJoin", a =>
        {
            Count("shellJoin", a, 1, 1, "a list");
            return string.Join(' ', List("shellJoin", a[0]).Select(v => Quoting.Shell(Text("shellJoin", v))));
        });
        Register(hb, "ruby", a => { Count("ruby", a, 1, 1, "a value"); return Quoting.Ruby(Text("ruby", a[0])); });
        Register(hb, "oneLine", a => { Count("oneLine", a, 1, 1, "a value"); return Quoting.OneLine(Text("oneLine", a[0])); });
        Register(hb, "urlencode", a => { Count("urlencode", a, 1, 1, "a value"); return Quoting.Url(Text("urlencode", a[0])); });
    }

    private static void RegisterText(IHandlebars hb)
    {
        Register(hb, "indent", a => { Count("indent", a, 2, 2, "a number of spaces and a text"); return Indent(Integer("indent", a[0]), Text("indent", a[1])); });
        Register(hb, "nindent", a => { Count("nindent", a, 2, 2, "a number of spaces and a text"); return "\n" + Indent(Integer("nindent", a[0]), Text("nindent", a[1])); });
        Register(hb, "join", a =>
        {
            Count("join", a, 1, 2, "a list and an optional separator (default \",\")");
            var separator = a.Length > 1 ? Text("join", a[1]) : ",";
            return string.Join(separator, List("join", a[0]).Select(v => Text("join", v)));
        });
        Register(hb, "split", a =>
        {
            Count("split", a, 1, 2, "a text and an optional separator (default \",\")");
            var separator = a.Length > 1 ? Text("split", a[1]) : ",";
            return separator.Length == 0
                ? throw new TemplateRenderException("split: the separator is empty.")
                : Text("split", a[0]).Split(separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Cast<object?>().ToList();
        });
        Register(hb, "default", a =>
        {
            Count("default", a, 2, 2, "a value and a fallback");
            return IsMissing(a[0]) ? a[1] : a[0];
        });
        Register(hb, "lower", a => { Count("lower", a, 1, 1, "a text"); return Text("lower", a[0]).ToLowerInvariant(); });
        Register(hb, "upper", a => { Count("upper", a, 1, 1, "a text"); return Text("upper", a[0]).ToUpperInvariant(); });
        Register(hb, "trim", a => { Count("trim", a, 1, 1, "a text"); return Text("trim", a[0]).Trim(); });
        Register(hb, "replace", a =>
        {
            Count("replace", a, 3, 3, "a text, what to replace and the replacement");
            var old = Text("replace", a[1]);
            return old.Length == 0
                ? throw new TemplateRenderException("replace: the text to replace is empty.")
                : Text("replace", a[0]).Replace(old, Text("replace", a[2]), StringComparison.Ordinal);
        });
        Register(hb, "concat", a =>
        {
            var sb = new StringBuilder();
            foreach (var v in a)
            {
                sb.Append(Text("concat", v));
            }

            return sb.ToString();
        });
    }

    private static void RegisterComparison(IHandlebars hb)
    {
        Register(hb, "eq", a => { Count("eq", a, 2, 2, "two values"); return ValuesEqual(a[0], a[1]); });
        Register(hb, "ne", a => { Count("ne", a, 2, 2, "two values"); return !ValuesEqual(a[0], a[1]); });
        Register(hb, "contains", a =>
        {
            Count("contains", a, 2, 2, "a list, map or text, and the value to look for");
            var needle = a[1];
            return a[0] switch
            {
                NullValue or null => false,
                string s => s.Contains(Text("contains", needle), StringComparison.Ordinal),
                IDictionary<string, object?> map => map.ContainsKey(Text("contains", needle)),
                System.Collections.IEnumerable list => list.Cast<object?>().Any(item => ValuesEqual(item, needle)),
                _ => throw new TemplateRenderException("contains: expected a list, map or text."),
            };
        });
        Register(hb, "and", a => a.Length >= 2 ? a.AsEnumerable().All(IsTruthy) : throw new TemplateRenderException("and: expected at least two values."));
        Register(hb, "or", a => a.Length >= 2 ? a.AsEnumerable().Any(IsTruthy) : throw new TemplateRenderException("or: expected at least two values."));
        Register(hb, "not", a => { Count("not", a, 1, 1, "a value"); return !IsTruthy(a[0]); });
    }

    private static void RegisterNodeData(IHandlebars hb)
    {
        // {{get node.facts "cpu.vendor"}}, {{get profile.variables "x"}}: a lenient dotted lookup into a map whose keys
        // are not part of the schema; an absent key gives "no value" (falsy in #if, replaced by default) not an error.
        Register(hb, "get", a =>
        {
            Count("get", a, 2, 2, "a map (node.facts, profile.variables) and a dotted key (\"cpu.vendor\")");
            var path = Text("get", a[1]);
            object? current = a[0];
            foreach (var segment in path.Split('.'))
            {
                current = current switch
                {
                    IDictionary<string, object?> map when map.TryGetValue(segment, out var v) => v,
                    IList<object?> list when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < list.Count => list[i],
                    _ => new NullValue(path),
                };
            }

            return current;
        });

        Register(hb, "secret", a =>
        {
            Count("secret", a, 1, 1, "a secret name");
            var name = Text("secret", a[0]);
            var state = RenderState.Current;
            if (!state.SecretsUsed.Contains(name, StringComparer.Ordinal))
            {
                state.SecretsUsed.Add(name);
            }

            if (state.SecretValues is null)
            {
                return new RedactedSecret(name);
            }

            return state.SecretValues.TryGetValue(name, out var value)
                ? value
                : throw new TemplateRenderException($"secret: no secret named '{name}' is set.");
        });

        Register(hb, "sha512crypt", a =>
        {
            Count("sha512crypt", a, 1, 1, "a password (salt= and rounds= optional)");
            if (a[0] is RedactedSecret redacted)
            {
                return $"<secret:{redacted.Name}|sha512crypt>";
            }

            var password = Text("sha512crypt", a[0]);
            var salt = HashText("sha512crypt", a, "salt") ?? DerivedSalt(password);
            var roundsText = HashText("sha512crypt", a, "rounds");
            int? rounds = roundsText is null ? null : Integer("sha512crypt", roundsText);
            return Sha512Crypt.Hash(password, salt, rounds);
        });

        Register(hb, "sshKeys", a =>
        {
            Count("sshKeys", a, 1, 1, "a list of public keys, or newline-separated keys");
            var keys = new List<object?>();
            foreach (var item in List("sshKeys", a[0]))
            {
                var key = Text("sshKeys", item).Trim();
                if (key.Length == 0 || key.StartsWith('#'))
                {
                    continue;
                }

                if (!SshPublicKey.IsValid(key))
                {
                    throw new TemplateRenderException($"sshKeys: '{(key.Length > 40 ? key[..40] + "…" : key)}' is not an SSH public key (type base64 [comment]).");
                }

                keys.Add(key);
            }

            return keys;
        });
    }

    private static string DerivedSalt(string password)
    {
        // Stable per (node, password) so previews and golden files repeat; never reused across nodes.
        const string alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        var digest = HMACSHA256.HashData(Encoding.UTF8.GetBytes(RenderState.Current.SaltSeed), Encoding.UTF8.GetBytes(password));
        var chars = new char[Sha512Crypt.MaxSaltLength];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[digest[i] & 0x3f];
        }

        return new string(chars);
    }

    private static bool ValuesEqual(object? left, object? right)
    {
        if (left is NullValue or null || right is NullValue or null)
        {
            return left is NullValue or null && right is NullValue or null;
        }

        if (left is string || right is string || left is bool || right is bool)
        {
            return string.Equals(Text("eq", left), Text("eq", right), StringComparison.Ordinal);
        }

        if (left is IConvertible && right is IConvertible)
        {
            return Convert.ToDouble(left, CultureInfo.InvariantCulture).Equals(Convert.ToDouble(right, CultureInfo.InvariantCulture));
        }

        return Equals(left, right);
    }

    private static string Indent(int spaces, string text)
    {
        if (spaces is < 0 or > 256)
        {
            throw new TemplateRenderException($"indent: {spaces} spaces is out of range (0..256).");
        }

        var pad = new string(' ', spaces);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        return string.Join('\n', lines.Select(l => l.Length == 0 ? l : pad + l));
    }

    private static Ipv4Network Cidr(string helper, object? value)
    {
        var text = Text(helper, value);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && IPAddress.TryParse(text[..slash], out var ip) && ip.AddressFamily == AddressFamily.InterNetwork
            && int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var len) && len is >= 0 and <= 32)
        {
            return new Ipv4Network(ip, len);
        }

        throw new TemplateRenderException($"{helper}: '{text}' is not an IPv4 CIDR (expected e.g. 10.77.0.0/24).");
    }

    private static IPAddress Address(string helper, object? value)
    {
        var text = Text(helper, value);
        return IPAddress.TryParse(text, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') == 3
            ? ip
            : throw new TemplateRenderException($"{helper}: '{text}' is not an IPv4 address.");
    }

    private static int PrefixOfMask(string mask)
    {
        var value = Ipv4Network.ToUInt32(Address("prefixLength", mask));
        var length = System.Numerics.BitOperations.PopCount(value);
        return Ipv4Network.MaskOf(length) == value
            ? length
            : throw new TemplateRenderException($"prefixLength: '{mask}' is not a contiguous netmask.");
    }
}
