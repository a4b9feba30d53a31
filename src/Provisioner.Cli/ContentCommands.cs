using System.CommandLine;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Provisioner.Cli;

public static partial class CliApp
{
    private static Command ImageCommands(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Image name" };
        var file = new Argument<FileInfo>("file") { Description = "Image file to upload" };
        var importFile = new Argument<FileInfo?>("file")
        {
            Description = "Image file (raw, .gz, .zst, .xz) to upload and import; without it the registered image is imported",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var format = new Option<string?>("--format") { Description = "raw (default), raw-gzip, raw-zstd, raw-xz" };
        var importFormat = new Option<string?>("--format") { Description = "raw, raw-gzip, raw-zstd, raw-xz (default: from the file's first bytes)" };
        var importRawSha = new Option<string?>("--raw-sha256")
        {
            Description = "sha256 of the uncompressed disk, checked by the import (default: what the import computes from the verified upload)",
        };
        var rawSha = new Option<string?>("--raw-sha256") { Description = "sha256 of the uncompressed disk (compressed uploads)" };
        var sha = new Option<string?>("--sha256") { Description = "sha256 of the raw disk image" };
        var location = new Option<string?>("--location") { Description = "http(s) URL or path under the images directory" };
        var size = new Option<long?>("--size") { Description = "Raw size in bytes" };
        var description = new Option<string?>("--description") { Description = "Free text" };
        var limit = LimitOption();
        var offset = OffsetOption();
        return Group("image", "OS images",
            Cmd(context, "list", "List images", [limit, offset], async (r, s, ct) =>
            {
                var page = await s.Api.GetAsync($"api/v1/images?{Paging(r, offset, limit)}", ct);
                s.Print(r, page, () => Output.Table(s.Context.Out, page, "name", "format", "sizeBytes", "sha256", "location"));
                return 0;
            }),
            Cmd(context, "show", "Show an image", [name], async (r, s, ct) =>
            {
                var i = await s.Api.GetAsync($"api/v1/images/{Q(r.GetValue(name))}", ct);
                s.Print(r, i, () => Output.Fields(s.Context.Out, i, "id", "name", "format", "sizeBytes", "sha256", "location", "description", "createdAt"));
                return 0;
            }),
            Cmd(context, "register", "Register an image stored elsewhere (admin)", [name, sha, location, format, size, description], async (r, s, ct) =>
            {
                var i = await s.Api.PostAsync("api/v1/images", new
                {
                    name = r.GetValue(name),
                    sha256 = r.GetValue(sha),
                    location = r.GetValue(location),
                    format = r.GetValue(format),
                    sizeBytes = r.GetValue(size),
                    description = r.GetValue(description),
                }, ct);
                s.Print(r, i, () => s.Context.Out.WriteLine($"Registered {Output.Cell(i, "name")} ({Output.Cell(i, "id")})."));
                return 0;
            }),
            Cmd(context, "upload", "Upload an image file; its sha256 is computed here and verified by the appliance (admin)",
                [name, file, format, rawSha, description], async (r, s, ct) =>
                {
                    var f = r.GetValue(file)!;
                    if (!f.Exists)
                    {
                        throw new CliException(ExitCodes.Usage, $"No file {f.FullName}.");
                    }

                    string digest;
                    await using (var read = f.OpenRead())
                    {
                        digest = Convert.ToHexStringLower(await SHA256.HashDataAsync(read, ct));
                    }

                    await using var body = f.OpenRead();
                    var content = new StreamContent(body, 1 << 20);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                    content.Headers.ContentLength = f.Length;
                    var query = $"sha256={digest}&format={Q(r.GetValue(format) ?? "raw")}{(r.GetValue(rawSha) is { } rs ? "&rawSha256=" + rs : "")}"
                                + (r.GetValue(description) is { } d ? "&description=" + Q(d) : "");
                    using var api = s.Api.WithoutTimeout();
                    var i = await api.SendAsync(HttpMethod.Put, $"api/v1/images/{Q(r.GetValue(name))}/content?{query}", null, ct, content);
                    s.Print(r, i, () => s.Context.Out.WriteLine($"Uploaded {Output.Cell(i, "name")}: {f.Length} bytes, sha256 {digest} verified."));
                    return 0;
                }),
            Cmd(context, "import", "Convert an image into the chunked format (admin): the registered one, or FILE uploaded and converted in one go",
                [name, importFile, importFormat, importRawSha, description], async (r, s, ct) =>
                {
                    using var api = s.Api.WithoutTimeout();
                    var import = new ImageImport(api, s.Context);
                    var result = r.GetValue(importFile) is { } f
                        ? await import.UploadAndImportAsync(r.GetValue(name)!, f, r.GetValue(importFormat), r.GetValue(importRawSha), r.GetValue(description), ct)
                        : await import.ImportRegisteredAsync(r.GetValue(name)!, ct);
                    s.Print(r, result, () =>
                    {
                        var image = result.GetProperty("image");
                        s.Context.Out.WriteLine(
                            $"Imported {Output.Cell(image, "name")} ({Output.Cell(result, "sourceFormat")}, {Output.Cell(image, "sizeBytes")} bytes): " +
                            $"{Output.Cell(result, "chunks")} chunks of {Output.Cell(result, "chunkSize")} bytes, {Output.Cell(result, "zeroChunks")} of them zero, " +
                            $"{Output.Cell(result, "storedBytes")} bytes stored ({Output.Cell(result, "compression")}); sha256 {Output.Cell(image, "sha256")} verified.");
                        s.Context.Out.WriteLine($"Location: {Output.Cell(image, "location")}");
                    });
                    return 0;
                }),
            Cmd(context, "delete", "Delete an image record (admin)", [name], async (r, s, ct) =>
            {
                await s.Api.DeleteAsync($"api/v1/images/{Q(r.GetValue(name))}", ct);
                s.Context.Out.WriteLine("Deleted.");
                return 0;
            }));
    }

    private static Command TemplateCommands(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Template name" };
        var file = new Argument<FileInfo>("file") { Description = "File with the template text" };
        var version = new Option<int?>("--version") { Description = "Version number (default: the active one)" };
        var versionArg = new Argument<int>("version") { Description = "Version number" };
        var kind = new Option<string?>("--kind") { Description = "ipxe, cloud-init-user-data, kickstart, ... (default: the existing template's)" };
        var activate = new Option<bool>("--activate") { Description = "Make the new version active" };
        var comment = new Option<string?>("--comment", "-m") { Description = "What changed" };
        var from = new Option<int?>("--from") { Description = "Older version (default: the one before --to)" };
        var to = new Option<int?>("--to") { Description = "Newer version (default: the active one)" };
        var nodeOption = new Option<string>("--node") { Description = "Node id, hostname or MAC", Required = true };
        var fileOption = new Option<FileInfo?>("--file") { Description = "Render this unsaved text instead of the stored version" };
        var nameOption = new Option<string?>("--name") { Description = "Check as this stored template would be (its kind and partials)" };
        var preview = Cmd(context, "preview", "Render a template for a node (also: render)", [name, nodeOption, fileOption, version], async (r, s, ct) =>
        {
            var node = await s.Api.GetAsync($"api/v1/nodes/{Q(r.GetValue(nodeOption))}", ct);
            var text = r.GetValue(fileOption) is { } f ? await File.ReadAllTextAsync(f.FullName, ct) : null;
            var rendered = await s.Api.PostAsync("api/v1/templates/preview",
                new { name = r.GetValue(name), nodeId = node.GetProperty("id").GetGuid(), content = text, version = r.GetValue(version) }, ct);
            s.Print(r, rendered, () => s.Context.Out.Write(Output.Cell(rendered, "rendered")));
            return 0;
        });
        preview.Aliases.Add("render");
        return Group("template", "Templates: versions, validate, preview, diff, activate, roll back",
            Cmd(context, "list", "List templates (active versions)", [], async (r, s, ct) =>
            {
                var page = await s.Api.GetAsync("api/v1/templates?limit=1000", ct);
                s.Print(r, page, () => Output.Table(s.Context.Out, page, "name", "kind", "activeVersion", "author", "createdAt"));
                return 0;
            }),
            Cmd(context, "show", "Print a template's text", [name, version], async (r, s, ct) =>
            {
                var t = await s.Api.GetAsync(r.GetValue(version) is { } v ? $"api/v1/templates/{Q(r.GetValue(name))}/versions/{v}" : $"api/v1/templates/{Q(r.GetValue(name))}", ct);
                s.Print(r, t, () => s.Context.Out.Write(Output.Cell(t, "content")));
                return 0;
            }),
            Cmd(context, "versions", "List a template's versions", [name], async (r, s, ct) =>
            {
                var list = await s.Api.GetAsync($"api/v1/templates/{Q(r.GetValue(name))}/versions", ct);
                s.Print(r, list, () => Output.Table(s.Context.Out, list, "version", "isActive", "author", "createdAt", "comment"));
                return 0;
            }),
            Cmd(context, "push", "Save a file as a new version (operator)", [name, file, kind, activate, comment], async (r, s, ct) =>
            {
                var text = await File.ReadAllTextAsync(r.GetValue(file)!.FullName, ct);
                var t = await s.Api.PostAsync($"api/v1/templates/{Q(r.GetValue(name))}/versions",
                    new { kind = r.GetValue(kind), content = text, comment = r.GetValue(comment), activate = r.GetValue(activate) }, ct);
                s.Print(r, t, () => s.Context.Out.WriteLine($"Saved {Output.Cell(t, "name")} v{Output.Cell(t, "version")}{(Output.Cell(t, "isActive") == "true" ? " (active)" : "")}."));
                return 0;
            }),
            Cmd(context, "activate", "Make a version active (operator)", [name, versionArg], async (r, s, ct) =>
            {
                var t = await s.Api.PostAsync($"api/v1/templates/{Q(r.GetValue(name))}/activate", new { version = r.GetValue(versionArg) }, ct);
                s.Print(r, t, () => s.Context.Out.WriteLine($"{Output.Cell(t, "name")} v{Output.Cell(t, "version")} is active."));
                return 0;
            }),
            Cmd(context, "rollback", "Activate the version before the active one (operator)", [name], async (r, s, ct) =>
            {
                var t = await s.Api.PostAsync($"api/v1/templates/{Q(r.GetValue(name))}/rollback", null, ct);
                s.Print(r, t, () => s.Context.Out.WriteLine($"Rolled back: {Output.Cell(t, "name")} v{Output.Cell(t, "version")} is active."));
                return 0;
            }),
            Cmd(context, "diff", "Unified diff between two versions", [name, from, to], async (r, s, ct) =>
            {
                var q = (r.GetValue(from) is { } f ? $"&from={f}" : "") + (r.GetValue(to) is { } t ? $"&to={t}" : "");
                var d = await s.Api.GetAsync($"api/v1/templates/{Q(r.GetValue(name))}/diff?{q.TrimStart('&')}", ct);
                s.Print(r, d, () => s.Context.Out.Write(Output.Cell(d, "unifiedDiff")));
                return 0;
            }),
            Cmd(context, "validate", "Check a template file: syntax, variables, and its output for a sample node", [file, nameOption, kind], async (r, s, ct) =>
            {
                var path = r.GetValue(file)!;
                if (!path.Exists)
                {
                    throw new CliException(ExitCodes.Usage, $"No file {path.FullName}.");
                }

                var text = await File.ReadAllTextAsync(path.FullName, ct);
                // Without --name, the file's place names it as under templates/ (cloud-init/user-data.hbs is
                // cloud-init/user-data): the appliance checks it as that template, or infers the kind from the name.
                var asName = r.GetValue(nameOption) ?? $"{path.Directory?.Name}/{Path.GetFileName(path.Name).Replace(".hbs", string.Empty, StringComparison.Ordinal)}";
                var check = await s.Api.PostAsync("api/v1/templates/validate", new { name = asName, kind = r.GetValue(kind), content = text }, ct);
                var valid = check.GetProperty("valid").GetBoolean();
                s.Print(r, check, () =>
                {
                    foreach (var i in check.GetProperty("issues").EnumerateArray())
                    {
                        s.Context.Out.WriteLine($"{r.GetValue(file)!.Name}:{Output.Cell(i, "line")}:{Output.Cell(i, "column")}: {Output.Cell(i, "severity")}: {Output.Cell(i, "message")}");
                    }

                    s.Context.Out.WriteLine(valid ? "Valid." : "Invalid.");
                });
                return valid ? 0 : ExitCodes.Failed;
            }),
            preview);
    }
}
