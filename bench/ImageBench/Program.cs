using System.Diagnostics;
using System.Globalization;
using Provisioner.Imaging;
using Provisioner.Imaging.Chunked;

// imagebench deploy --format raw|gzip|zstd|xz|chunked --url URL --sha256 HEX --target PATH [--index URL] [--parallel N] [--direct]
// imagebench import --input FILE --out DIR [--chunk-mib N] [--level N]
// Prints one line of key=value results (seconds, MB/s of raw bytes, CPU seconds of this process).
var opts = new Dictionary<string, string>(StringComparer.Ordinal);
for (int i = 1; i < args.Length; i++)
{
    if (args[i].StartsWith("--", StringComparison.Ordinal))
    {
        opts[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
    }
}
string Get(string key) => opts.TryGetValue(key, out var v) ? v : throw new ArgumentException($"--{key} is required");

var sw = Stopwatch.StartNew();
var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
long rawBytes;
string extra;
try
{
    switch (args.FirstOrDefault())
    {
        case "deploy":
        {
            var format = Enum.Parse<ImageFormat>(Get("format"), ignoreCase: true);
            var options = new ImageDeployOptions
            {
                ParallelChunks = int.Parse(opts.GetValueOrDefault("parallel", "3"), CultureInfo.InvariantCulture),
                DirectIo = opts.ContainsKey("direct"),
            };
            var spec = format == ImageFormat.Chunked
                ? new ImageSpec(null, format, Get("sha256"), IndexUrl: new Uri(Get("index")))
                : new ImageSpec(new Uri(Get("url")), format, Get("sha256"));
            var result = await new ImageDeployer(options: options).DeployAsync(spec, Get("target"), null, CancellationToken.None);
            rawBytes = result.BytesWritten;
            extra = $"transferred={result.BytesTransferred} zero_skipped={result.ZeroBytesSkipped} retries={result.Retries}";
            break;
        }
        case "import":
        {
            var options = new ChunkedImageOptions
            {
                ChunkSize = int.Parse(opts.GetValueOrDefault("chunk-mib", "64"), CultureInfo.InvariantCulture) << 20,
                Level = int.Parse(opts.GetValueOrDefault("level", "3"), CultureInfo.InvariantCulture),
            };
            var result = await ChunkedImageBuilder.ImportAsync(Get("input"), Get("out"), options, null, CancellationToken.None);
            rawBytes = result.Index.ImageSize;
            extra = $"data={result.Index.DataSize} chunks={result.Index.Chunks.Count} zero_chunks={result.Index.Chunks.Count(c => c.Zero)} sha256={result.Index.Sha256}";
            break;
        }
        default:
            Console.Error.WriteLine("usage: imagebench deploy|import ...");
            return 2;
    }
}
catch (ImageException ex)
{
    Console.Error.WriteLine($"error kind={ex.Kind}: {ex.Message}");
    return 1;
}
double seconds = sw.Elapsed.TotalSeconds;
double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"seconds={seconds:0.000} raw_bytes={rawBytes} mb_s={rawBytes / seconds / 1e6:0.0} cpu_s={cpu:0.00} {extra}"));
return 0;
