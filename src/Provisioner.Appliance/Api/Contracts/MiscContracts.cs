using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Api.Contracts;

public sealed record ImageDto(Guid Id, string Name, string Format, long SizeBytes, string Sha256, string Location, string? Description, DateTimeOffset CreatedAt)
{
    public static ImageDto From(Image i) => new(i.Id, i.Name, ApiNames.Of(i.Format), i.SizeBytes, i.Sha256, i.Location, i.Description, i.CreatedAt);
}

/// <summary>The outcome of an import into the chunked format.</summary>
/// <param name="Image">The image record as it is now (format chunked, location NAME/index.json).</param>
/// <param name="SourceFormat">What the imported file was: raw, raw-gzip, raw-zstd or raw-xz.</param>
/// <param name="ChunkSize">Raw bytes per chunk.</param>
/// <param name="Chunks">Chunks in the index.</param>
/// <param name="ZeroChunks">All-zero chunks (listed, not stored, never transferred).</param>
/// <param name="StoredBytes">Size of the chunk data file.</param>
/// <param name="Compression">Per-chunk compression: zstd or gzip.</param>
/// <param name="IndexSha256">Hex sha256 of index.json.</param>
public sealed record ImageImportDto(ImageDto Image, string SourceFormat, int ChunkSize, int Chunks, int ZeroChunks, long StoredBytes, string Compression, string IndexSha256);

/// <summary>A progress sample of an import (Server-Sent Event "progress").</summary>
/// <param name="Phase">transferring, then completed.</param>
/// <param name="BytesDone">Raw bytes read and cut so far.</param>
/// <param name="TotalBytes">Raw size when known (a raw file's length, or the registered size).</param>
/// <param name="Percent">0..100 when the total is known.</param>
/// <param name="ChunksDone">Chunks written (or found to be zero).</param>
/// <param name="StoredBytes">Compressed bytes written so far.</param>
/// <param name="BytesPerSecond">Raw bytes per second over the last interval.</param>
public sealed record ImageImportProgressDto(string Phase, long BytesDone, long? TotalBytes, double? Percent, int ChunksDone, long StoredBytes, double BytesPerSecond);

public sealed record ImageRequest(string? Name, string? Format, long? SizeBytes, string? Sha256, string? Location, string? Description);

public sealed record TemplateDto(string Name, int Version, string Kind, string Content, string Author, DateTimeOffset CreatedAt, string? Comment, bool IsActive)
{
    public static TemplateDto From(TemplateVersion t) => new(t.Name, t.Version, t.Kind, t.Content, t.Author, t.CreatedAt, t.Comment, t.IsActive);
}

public sealed record TemplateSummaryDto(string Name, int ActiveVersion, string Kind, string Author, DateTimeOffset CreatedAt);

public sealed record TemplateVersionRequest(string? Kind, string? Content, string? Comment, bool? Activate);

public sealed record TemplateActivateRequest(int? Version);

public sealed record TemplateCheckRequest(string? Name, string? Kind, string? Content, Guid? NodeId, int? Version);

public sealed record TemplateDiffDto(string Name, int From, int To, string UnifiedDiff, DiffLine[] Lines);

public sealed record AuditDto(long Id, DateTimeOffset At, string Actor, string Action, string ObjectType, string? ObjectId, string? Source, string? Details)
{
    public static AuditDto From(AuditEvent a) => new(a.Id, a.At, a.Actor, a.Action, a.ObjectType, a.ObjectId, a.Source, a.Details);
}

public sealed record UserDto(Guid Id, string Name, string Role, bool Disabled, DateTimeOffset CreatedAt)
{
    public static UserDto From(User u) => new(u.Id, u.Name, Identity.ProvisionerClaims.RoleName(u.Role), u.Disabled, u.CreatedAt);
}

public sealed record UserRequest(string? Name, string? Password, string? Role, bool? Disabled);

public sealed record TokenDto(Guid Id, Guid UserId, string Name, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt)
{
    public static TokenDto From(ApiToken t) => new(t.Id, t.UserId, t.Name, t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt);
}

public sealed record TokenRequest(string? Name, int? ExpiresInDays);

/// <summary>Only in the response that creates a token: the secret is shown once and stored hashed.</summary>
public sealed record IssuedTokenDto(TokenDto Token, string Secret);

/// <summary>Sign in with a password and get an API token (what <c>provisioner login</c> does).</summary>
public sealed record LoginRequest(string? Name, string? Password, string? TokenName, int? ExpiresInDays);

public sealed record SetupRequest(string? Name, string? Password);

public sealed record WhoAmIDto(Guid Id, string Name, string Role, string AuthMethod);

/// <param name="Status">"ok", "warn" or "fail".</param>
/// <param name="Fix">What to do when not ok.</param>
/// <param name="DurationMs">How long the check took.</param>
/// <param name="Details">Facts for programs (e.g. the TFTP listener's address and port).</param>
public sealed record DiagnosticDto(string Name, string Status, string Summary, string? Fix, long DurationMs, IReadOnlyDictionary<string, string>? Details);

public sealed record DiagnosticsReport(DateTimeOffset ServerTime, string Version, DiagnosticDto[] Checks);

public sealed record ProfileDto(Guid Id, string Name, string? Description, string InstallMethod, IReadOnlyDictionary<string, string> Templates,
    IReadOnlyDictionary<string, string> Variables)
{
    public static ProfileDto From(TemplateProfile p) => new(p.Id, p.Name, p.Description, ApiNames.Of(p.InstallMethod), p.Templates, p.Variables);
}

/// <summary>PUT /api/v1/profiles/{name}: templates by purpose ("user-data": "cloud-init/user-data") and variables.</summary>
public sealed record ProfileRequest(string? Description, string? InstallMethod, Dictionary<string, string>? Templates, Dictionary<string, string>? Variables);
