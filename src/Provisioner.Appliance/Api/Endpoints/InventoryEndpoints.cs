using Microsoft.AspNetCore.Http.HttpResults;
using Provisioner.Appliance.Api.Contracts;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Api.Endpoints;

/// <summary>/api/v1/zones and /api/v1/bpods.</summary>
public static class InventoryEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var zones = api.MapGroup("/zones").WithTags("Zones");
        zones.MapGet("/", ListZones).WithName("ListZones");
        zones.MapGet("/{id:guid}", GetZone).WithName("GetZone");
        zones.MapPost("/", CreateZone).WithName("CreateZone").RequireAuthorization(ProvisionerClaims.AdminPolicy);
        zones.MapPatch("/{id:guid}", UpdateZone).WithName("UpdateZone").RequireAuthorization(ProvisionerClaims.AdminPolicy);
        zones.MapDelete("/{id:guid}", DeleteZone).WithName("DeleteZone").RequireAuthorization(ProvisionerClaims.AdminPolicy);

        var bpods = api.MapGroup("/bpods").WithTags("BPODs");
        bpods.MapGet("/", ListBpods).WithName("ListBpods");
        bpods.MapGet("/{id:guid}", GetBpod).WithName("GetBpod");
        bpods.MapPost("/", CreateBpod).WithName("CreateBpod").RequireAuthorization(ProvisionerClaims.AdminPolicy);
        bpods.MapPatch("/{id:guid}", UpdateBpod).WithName("UpdateBpod").RequireAuthorization(ProvisionerClaims.AdminPolicy);
        bpods.MapDelete("/{id:guid}", DeleteBpod).WithName("DeleteBpod").RequireAuthorization(ProvisionerClaims.AdminPolicy);
    }

    private static async Task<Ok<PagedResponse<ZoneDto>>> ListZones(IZoneRepository repo, string? search, int? offset, int? limit, CancellationToken ct)
    {
        var page = PageQuery.From(offset, limit);
        var all = (await repo.ListAsync(ct)).Where(z => search is null || z.Name.Contains(search, StringComparison.OrdinalIgnoreCase));
        return TypedResults.Ok(PageQuery.Slice(all, page, ZoneDto.From));
    }

    private static async Task<Ok<ZoneDto>> GetZone(Guid id, IZoneRepository repo, CancellationToken ct) =>
        TypedResults.Ok(ZoneDto.From(await repo.GetAsync(id, ct) ?? throw new ApiNotFoundException($"No zone with id {id}.")));

    private static async Task<Created<ZoneDto>> CreateZone(ZoneRequest request, IZoneRepository repo, IAuditLog audit, TimeProvider time,
        HttpContext http, CancellationToken ct)
    {
        if (ApiValidation.InvalidName(request.Name) is { } problem)
        {
            throw ApiValidationException.For("name", problem);
        }

        var zone = new Zone { Id = Guid.NewGuid(), Name = request.Name!.Trim(), Description = request.Description, CreatedAt = time.GetUtcNow() };
        await repo.AddAsync(zone, ct);
        await audit.RecordAsync(http, "zone.create", "zone", zone.Id.ToString(), zone.Name);
        return TypedResults.Created($"/api/v1/zones/{zone.Id}", ZoneDto.From(zone));
    }

    private static async Task<Ok<ZoneDto>> UpdateZone(Guid id, ZoneRequest request, IZoneRepository repo, IAuditLog audit, HttpContext http,
        CancellationToken ct)
    {
        var zone = await repo.GetAsync(id, ct) ?? throw new ApiNotFoundException($"No zone with id {id}.");
        if (request.Name is not null && ApiValidation.InvalidName(request.Name) is { } problem)
        {
            throw ApiValidationException.For("name", problem);
        }

        zone = zone with { Name = request.Name?.Trim() ?? zone.Name, Description = request.Description ?? zone.Description };
        await repo.UpdateAsync(zone, ct);
        await audit.RecordAsync(http, "zone.update", "zone", zone.Id.ToString(), zone.Name);
        return TypedResults.Ok(ZoneDto.From(zone));
    }

    private static async Task<NoContent> DeleteZone(Guid id, IZoneRepository repo, IAuditLog audit, HttpContext http, CancellationToken ct)
    {
        var zone = await repo.GetAsync(id, ct) ?? throw new ApiNotFoundException($"No zone with id {id}.");
        await repo.DeleteAsync(id, ct);
        await audit.RecordAsync(http, "zone.delete", "zone", id.ToString(), zone.Name);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<PagedResponse<BpodDto>>> ListBpods(IBpodRepository repo, Guid? zoneId, string? search, int? offset, int? limit,
        CancellationToken ct)
    {
        var page = PageQuery.From(offset, limit);
        var all = (await repo.ListAsync(zoneId, ct)).Where(b => search is null || b.Name.Contains(search, StringComparison.OrdinalIgnoreCase));
        return TypedResults.Ok(PageQuery.Slice(all, page, BpodDto.From));
    }

    private static async Task<Ok<BpodDto>> GetBpod(Guid id, IBpodRepository repo, CancellationToken ct) =>
        TypedResults.Ok(BpodDto.From(await repo.GetAsync(id, ct) ?? throw new ApiNotFoundException($"No BPOD with id {id}.")));

    private static async Task<Created<BpodDto>> CreateBpod(BpodRequest request, IBpodRepository repo, IZoneRepository zones, IAuditLog audit,
        TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var bpod = request.ToBpod(null, Guid.NewGuid(), time.GetUtcNow());
        if (await zones.GetAsync(bpod.ZoneId, ct) is null)
        {
            throw ApiValidationException.For("zoneId", $"No zone with id {bpod.ZoneId}; create the zone first.");
        }

        await repo.AddAsync(bpod, ct);
        await audit.RecordAsync(http, "bpod.create", "bpod", bpod.Id.ToString(), bpod.Name);
        return TypedResults.Created($"/api/v1/bpods/{bpod.Id}", BpodDto.From(bpod));
    }

    private static async Task<Ok<BpodDto>> UpdateBpod(Guid id, BpodRequest request, IBpodRepository repo, IZoneRepository zones, IAuditLog audit,
        TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var current = await repo.GetAsync(id, ct) ?? throw new ApiNotFoundException($"No BPOD with id {id}.");
        var bpod = request.ToBpod(current, id, time.GetUtcNow());
        if (bpod.ZoneId != current.ZoneId && await zones.GetAsync(bpod.ZoneId, ct) is null)
        {
            throw ApiValidationException.For("zoneId", $"No zone with id {bpod.ZoneId}.");
        }

        await repo.UpdateAsync(bpod, ct);
        await audit.RecordAsync(http, "bpod.update", "bpod", id.ToString(), bpod.Name);
        return TypedResults.Ok(BpodDto.From(bpod));
    }

    private static async Task<NoContent> DeleteBpod(Guid id, IBpodRepository repo, IAuditLog audit, HttpContext http, CancellationToken ct)
    {
        var bpod = await repo.GetAsync(id, ct) ?? throw new ApiNotFoundException($"No BPOD with id {id}.");
        await repo.DeleteAsync(id, ct);
        await audit.RecordAsync(http, "bpod.delete", "bpod", id.ToString(), bpod.Name);
        return TypedResults.NoContent();
    }
}
