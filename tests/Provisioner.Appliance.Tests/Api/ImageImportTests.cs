using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Provisioner.Imaging;
using Provisioner.Imaging.Chunked;
using Provisioner.TestKit;
using Provisioner.TestKit.Appliance;

namespace Provisioner.Appliance.Tests.Api;

/// <summary>The real appliance with its images directory, shared by the import tests (SQLite store, seeded templates).</summary>
public sealed class ImageImportFixture : IAsyncLifetime
{
    public const int ChunkBytes = 256 * 1024;

    public ApplianceProcess Appliance { get; private set; } = null!;

    public ApplianceApiClient Api { get; private set; } = null!;

    public string ImagesDirectory { get; } = Directory.CreateTempSubdirectory("provisioner-images-").FullName;

    public async Task InitializeAsync()
    {
        Appliance = await ApplianceProcess.StartAsync(new Dictionary<string, string>
        {
            ["Paths:Templates"] = RepoPaths.Of("templates"),
            ["Paths:Images"] = ImagesDirectory,
            ["Api:ImportChunkBytes"] = ChunkBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Api = new ApplianceApiClient(new HttpClient { Timeout = TimeSpan.FromMinutes(2) }, Appliance.BaseUrl);
        await Api.SetupAdminAsync();
    }

    public async Task DisposeAsync()
    {
        Api.Dispose();
        await Appliance.DisposeAsync();
        Directory.Delete(ImagesDirectory, recursive: true);
    }
}

/// <summary>
/// Importing images into the chunked format through the REST API, and serving them to a node's live agent: the index
/// and the chunks by Range, for the node's per-boot token only.
/// </summary>
[Trait("Area", "Images")]
[Trait("Peer", "zstd")]
public sealed partial class ImageImportTests(ImageImportFixture fixture) : IClassFixture<ImageImportFixture>
{
    private static int _nodes;

    private HttpClient Http => fixture.Api.Http;

    /// <summary>A disk-like image: random data, a long zero run (zero chunks), text, a random tail.</summary>
    private static byte[] DiskImage(int seed)
    {
        var data = new byte[3 * 1024 * 1024 + 4321];
        var rng = new Random(seed);
        rng.NextBytes(data.AsSpan(0, 700_000));
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 20000).Select(i => $"line {i}\n"))).CopyTo(data.AsSpan(2_000_000));
        rng.NextBytes(data.AsSpan(data.Length - 100_000));
        return data;
    }

    private static string Sha(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Compresses with Debian's zstd (a real peer) into <paramref name="output"/>.</summary>
    private static async Task CompressAsync(byte[] raw, string output)
    {
        var input = output + ".in";
        await File.WriteAllBytesAsync(input, raw);
        var (rc, _, err) = await PeerProcess.RunAsync(Peers.Require("zstd"), ["-q", "-f", "-3", input, "-o", output], TimeSpan.FromSeconds(60));
        File.Delete(input);
        Assert.True(rc == 0, err);
    }

    private async Task<JsonNode> RegisterAsync(string name, string format, string sha256, string location, long size) =>
        await fixture.Api.PostAsync("api/v1/images", new { name, format, sha256, location, sizeBytes = size });

    /// <summary>A node of a BPOD on the loopback subnet, and the boot token its iPXE script carries (as a PXE-booting machine gets it).</summary>
    /// <summary>The boot token of a new node being deployed with <paramref name="image"/>: a token opens only the
    /// image its node is deploying.</summary>
    private async Task<string> BootTokenAsync(string image)
    {
        var n = Interlocked.Increment(ref _nodes);
        var zone = await fixture.Api.PostAsync("api/v1/zones", new { name = $"zi{n}" });
        var bpod = await fixture.Api.PostAsync("api/v1/bpods", new
        {
            zoneId = zone["id"]!.GetValue<string>(),
            name = $"ri{n}",
            networkType = "l2",
            provisioningSubnet = "127.0.0.0/8",
            dynamicRangeStart = "127.0.0.100",
            dynamicRangeEnd = "127.0.0.150",
        });
        var mac = $"52:54:00:1a:00:{n:x2}";
        var node = await fixture.Api.PostAsync("api/v1/nodes", new
        {
            hostname = $"img-{n:00}",
            bpodId = bpod["id"]!.GetValue<string>(),
            interfaces = new[] { new { mac, isPxe = true } },
        });
        var id = node["id"]!.GetValue<string>();
        await fixture.Api.PostAsync($"api/v1/nodes/{id}/actions/mark-broken", new { reason = "bench spare" });
        await fixture.Api.PostAsync($"api/v1/nodes/{id}/actions/mark-fixed", new { });
        await fixture.Api.PostAsync($"api/v1/nodes/{id}/actions/deploy", new { image });
        using var anonymous = new HttpClient();
        var script = await anonymous.GetStringAsync(new Uri($"{fixture.Appliance.BaseUrl}/boot/{mac}.ipxe"));
        var token = TokenInScript().Match(script);
        Assert.True(token.Success, script);
        return token.Groups[1].Value;
    }

    [GeneratedRegex(@"provisioner\.token=(\S+)")]
    private static partial Regex TokenInScript();

    /// <summary>POSTs the import asking for Server-Sent Events; returns the events in order.</summary>
    private async Task<List<(string Event, JsonNode Data)>> ImportWithEventsAsync(string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/images/{name}/import");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<(string, JsonNode)>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? name2 = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name2 = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((name2!, JsonNode.Parse(line[6..])!));
            }
        }

        return events;
    }

    [Fact]
    public async Task Import_RegisteredZstdImage_IndexAndEveryChunkServedToTheBootTokenReproduceTheRawImage()
    {
        var raw = DiskImage(1);
        await CompressAsync(raw, Path.Combine(fixture.ImagesDirectory, "deb.raw.zst"));
        await RegisterAsync("deb", "raw-zstd", Sha(raw), "deb.raw.zst", raw.Length);

        var events = await ImportWithEventsAsync("deb");

        Assert.Contains(events, e => e.Event == "progress");
        var (last, done) = events[^1];
        Assert.True(last == "done", done.ToJsonString());
        Assert.Equal("raw-zstd", done["sourceFormat"]!.GetValue<string>());
        Assert.Equal(ImageImportFixture.ChunkBytes, done["chunkSize"]!.GetValue<int>());
        Assert.True(done["zeroChunks"]!.GetValue<int>() >= 3, done.ToJsonString());
        var image = await fixture.Api.GetAsync("api/v1/images/deb");
        Assert.Equal("chunked", image["format"]!.GetValue<string>());
        Assert.Equal("deb/index.json", image["location"]!.GetValue<string>());
        Assert.Equal(raw.Length, image["sizeBytes"]!.GetValue<long>());
        Assert.True(File.Exists(Path.Combine(fixture.ImagesDirectory, "deb", "index.json")));
        Assert.True(File.Exists(Path.Combine(fixture.ImagesDirectory, "deb.raw.zst")), "the source file stays");

        // The live agent's view: the node's boot token opens the index and the chunks; nothing else does.
        var token = await BootTokenAsync("deb");
        var indexUrl = new Uri($"{fixture.Appliance.BaseUrl}/api/agent/v1/images/deb/index.json");
        using var stranger = new HttpClient();
        using (var refused = await stranger.GetAsync(indexUrl))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var node = new HttpClient();
        node.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var index = ChunkIndex.Parse(await node.GetByteArrayAsync(indexUrl));
        Assert.Equal(Sha(raw), index.Sha256);
        Assert.Equal(done["indexSha256"]!.GetValue<string>(), ChunkIndex.DigestOf(await node.GetByteArrayAsync(indexUrl)));

        // A deploy as the agent does it: every stored chunk by Range, each verified, the whole image hashed in order.
        var target = Path.Combine(fixture.ImagesDirectory, "..", Path.GetFileName(fixture.ImagesDirectory) + "-target.raw");
        try
        {
            var counting = new CountingHandler { InnerHandler = new SocketsHttpHandler() };
            using var deployHttp = new HttpClient(counting);
            deployHttp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var result = await new ImageDeployer(deployHttp).DeployAsync(
                new ImageSpec(null, Imaging.ImageFormat.Chunked, image["sha256"]!.GetValue<string>(), raw.Length, indexUrl, done["indexSha256"]!.GetValue<string>()),
                target, null, default);

            Assert.Equal(Sha(raw), result.Sha256);
            Assert.Equal(raw, await File.ReadAllBytesAsync(target));
            Assert.Equal(index.Chunks.Count(c => !c.Zero), counting.Ranged.Count);
            Assert.All(counting.Ranged, status => Assert.Equal(HttpStatusCode.PartialContent, status));
        }
        finally
        {
            File.Delete(target);
        }

        // curl as a peer: a range of the data file with the token.
        var (rc, code, err) = await PeerProcess.RunAsync(Peers.Require("curl"),
            ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-r", "0-99", "-H", $"Authorization: Bearer {token}",
             $"{fixture.Appliance.BaseUrl}/api/agent/v1/images/deb/{index.DataFile}"], TimeSpan.FromSeconds(30));
        Assert.True(rc == 0, err);
        Assert.Equal("206", code.Trim());
    }

    [Fact]
    public async Task Delete_RemovesTheImagesFilesInTheImagesDirectoryOnly()
    {
        var raw = DiskImage(4);
        await CompressAsync(raw, Path.Combine(fixture.ImagesDirectory, "gone.raw.zst"));
        await RegisterAsync("gone", "raw-zstd", Sha(raw), "gone.raw.zst", raw.Length);
        Assert.Equal("done", (await ImportWithEventsAsync("gone"))[^1].Event);
        await File.WriteAllBytesAsync(Path.Combine(fixture.ImagesDirectory, "plain.img"), raw);
        await RegisterAsync("plain", "raw", Sha(raw), "plain.img", raw.Length);
        await RegisterAsync("remote", "raw", Sha(raw), "http://images.example/remote.img", raw.Length);

        foreach (var name in new[] { "gone", "plain", "remote" })
        {
            using var response = await Http.DeleteAsync($"api/v1/images/{name}");
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            using var after = await Http.GetAsync($"api/v1/images/{name}");
            Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        }

        Assert.False(Directory.Exists(Path.Combine(fixture.ImagesDirectory, "gone")), "the chunked image's directory is removed");
        Assert.False(File.Exists(Path.Combine(fixture.ImagesDirectory, "plain.img")), "the raw image's file is removed");
        Assert.True(File.Exists(Path.Combine(fixture.ImagesDirectory, "gone.raw.zst")), "the import's source is the operator's upload, not the image");
        Assert.True(Directory.Exists(fixture.ImagesDirectory));
    }

    [Fact]
    public async Task Import_WrongRegisteredSha256_Answers422NamingBothDigestsAndChangesNothing()
    {
        var raw = DiskImage(2);
        await CompressAsync(raw, Path.Combine(fixture.ImagesDirectory, "bad.raw.zst"));
        var wrong = new string('c', 64);
        await RegisterAsync("bad", "raw-zstd", wrong, "bad.raw.zst", raw.Length);

        using var response = await Http.PostAsync("api/v1/images/bad/import", null);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.EndsWith("/checksum-mismatch", problem["type"]!.GetValue<string>(), StringComparison.Ordinal);
        var detail = problem["detail"]!.GetValue<string>();
        Assert.Contains(Sha(raw), detail, StringComparison.Ordinal);
        Assert.Contains(wrong, detail, StringComparison.Ordinal);
        var image = await fixture.Api.GetAsync("api/v1/images/bad");
        Assert.Equal("raw-zstd", image["format"]!.GetValue<string>());
        Assert.Equal("bad.raw.zst", image["location"]!.GetValue<string>());
        Assert.False(Directory.Exists(Path.Combine(fixture.ImagesDirectory, "bad")));
        Assert.DoesNotContain(Directory.GetDirectories(fixture.ImagesDirectory), d => Path.GetFileName(d).StartsWith(".import-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Upload_WithImportChunked_ConvertsInOneGoAndKeepsNoUpload()
    {
        var raw = DiskImage(3);
        var zst = Path.Combine(Path.GetTempPath(), $"upload-{Guid.NewGuid():N}.raw.zst");
        await CompressAsync(raw, zst);
        var body = await File.ReadAllBytesAsync(zst);
        File.Delete(zst);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");

        using var response = await Http.PutAsync($"api/v1/images/up/content?sha256={Sha(body)}&format=raw-zstd&rawSha256={Sha(raw)}&import=chunked", content);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var imported = JsonNode.Parse(text)!;
        Assert.Equal("chunked", imported["image"]!["format"]!.GetValue<string>());
        Assert.Equal("up/index.json", imported["image"]!["location"]!.GetValue<string>());
        Assert.Equal(raw.Length, imported["image"]!["sizeBytes"]!.GetValue<long>());
        // Only the chunked directory remains: no upload file, no work directory.
        Assert.Equal(["up"], Directory.GetFileSystemEntries(fixture.ImagesDirectory, "*up*").Select(e => Path.GetFileName(e)).ToArray());
        var index = await ChunkIndex.ReadAsync(Path.Combine(fixture.ImagesDirectory, "up", "index.json"));
        Assert.Equal(Sha(raw), index.Sha256);
    }

    [Fact]
    public async Task Upload_Raw_LandsInPathsImagesWithARelativeLocation()
    {
        var raw = DiskImage(4);
        using var content = new ByteArrayContent(raw);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");

        using var response = await Http.PutAsync($"api/v1/images/plain/content?sha256={Sha(raw)}", content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var image = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("plain.img", image["location"]!.GetValue<string>());
        Assert.Equal(raw, await File.ReadAllBytesAsync(Path.Combine(fixture.ImagesDirectory, "plain.img")));
        Assert.False(Directory.Exists(Path.Combine(fixture.Appliance.DataDirectory, "images")));
    }

    [Theory]
    [InlineData("POST", "api/v1/images/.hidden/import", true)]
    [InlineData("POST", "api/v1/images/..%2F..%2Fescape/import", true)]
    [InlineData("POST", "api/v1/images/a%00b/import", false)] // Kestrel itself refuses a NUL in the path
    [InlineData("PUT", "api/v1/images/.import-x/content?sha256=0000000000000000000000000000000000000000000000000000000000000000&import=chunked", true)]
    [InlineData("PUT", "api/v1/images/..%2Fescape/content?sha256=0000000000000000000000000000000000000000000000000000000000000000", true)]
    public async Task HostileNames_AreRefusedAndNothingIsWritten(string method, string path, bool namesTheField)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent([1, 2, 3]) };

        using var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        if (namesTheField)
        {
            Assert.Contains("\"name\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var outside = Path.GetDirectoryName(fixture.ImagesDirectory)!;
        Assert.Empty(Directory.GetFileSystemEntries(outside, "escape*"));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(fixture.ImagesDirectory), e => Path.GetFileName(e).StartsWith('.'));
    }

    [Fact]
    public async Task Register_HostileName_IsRefused()
    {
        using var response = await Http.PostAsJsonAsync("api/v1/images", new { name = "..", sha256 = new string('a', 64), location = "x.img" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"name\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Counts the status of every ranged request (the chunk fetches).</summary>
    private sealed class CountingHandler : DelegatingHandler
    {
        public List<HttpStatusCode> Ranged { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Headers.Range is not null)
            {
                lock (Ranged)
                {
                    Ranged.Add(response.StatusCode);
                }
            }

            return response;
        }
    }
}
