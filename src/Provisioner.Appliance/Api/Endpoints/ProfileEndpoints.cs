using Microsoft.AspNetCore.Http.HttpResults;
using Provisioner.Appliance.Api.Contracts;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Api.Endpoints;

/// <summary>
/// /api/v1/profiles: the named sets of templates and variables nodes are deployed with. Operators edit them (they are
/// template authoring); every template a profile names must exist, so a deploy never meets a missing template.
/// </summary>
public static class ProfileEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var profiles = api.MapGroup("/profiles").WithTags("Templates");
        profiles.MapGet("/", List).WithName("ListProfiles");
        profiles.MapGet("/{name}", Get).WithName("GetProfile");
        profiles.MapPut("/{name}", Put).WithName("PutProfile").RequireAuthorization(ProvisionerClaims.OperatorPolicy);
        profiles.MapDelete("/{name}", Delete).WithName("DeleteProfile").RequireAuthorization(ProvisionerClaims.OperatorPolicy);
    }

    private static async Task<Ok<ProfileDto[]>> List(IProfileRepository profiles, CancellationToken ct) =>
        TypedResults.Ok((await profiles.ListAsync(ct)).Select(ProfileDto.From).ToArray());

    private static async Task<Ok<ProfileDto>> Get(string name, IProfileRepository profiles, CancellationToken ct) =>
        TypedResults.Ok(ProfileDto.From(await profiles.FindByNameAsync(name, ct) ?? throw NotFound(name)));

    /// <summary>Creates or replaces the profile <paramref name="name"/> (PUT semantics: absent fields become empty).</summary>
    private static async Task<Ok<ProfileDto>> Put(string name, ProfileRequest request, IProfileRepository profiles, ITemplateRepository templates,
        IAuditLog audit, HttpContext http, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        if (ApiValidation.InvalidName(name) is { } problem)
        {
            errors.Add("name", problem);
        }

        var method = InstallMethod.Image;
        if (request.InstallMethod is not null && !ApiNames.TryParse(request.InstallMethod, out method))
        {
            errors.Add("installMethod", $"'{request.InstallMethod}' is not one of: {string.Join(", ", ApiNames.All<InstallMethod>())}.");
        }

        foreach (var (purpose, template) in request.Templates ?? [])
        {
            if (string.IsNullOrWhiteSpace(purpose))
            {
                errors.Add("templates", "A purpose (e.g. user-data) is empty.");
            }
            else if (await templates.GetActiveAsync(template, ct) is null)
            {
                errors.Add($"templates.{purpose}", $"No active template '{template}'; list them with GET /api/v1/templates.");
            }
        }

        errors.ThrowIfAny();
        var current = await profiles.FindByNameAsync(name, ct);
        var profile = new TemplateProfile
        {
            Id = current?.Id ?? Guid.NewGuid(),
            Name = name.Trim(),
            Description = request.Description,
            InstallMethod = method,
            Templates = request.Templates ?? [],
            Variables = request.Variables ?? [],
        };
        await profiles.UpsertAsync(profile, ct);
        await audit.RecordAsync(http, current is null ? "profile.create" : "profile.update", "profile", profile.Id.ToString(), profile.Name);
        return TypedResults.Ok(ProfileDto.From(profile));
    }

    private static async Task<NoContent> Delete(string name, IProfileRepository profiles, IAuditLog audit, HttpContext http, CancellationToken ct)
    {
        var profile = await profiles.FindByNameAsync(name, ct) ?? throw NotFound(name);
        await profiles.DeleteAsync(profile.Id, ct);
        await audit.RecordAsync(http, "profile.delete", "profile", profile.Id.ToString(), profile.Name);
        return TypedResults.NoContent();
    }

    private static ApiNotFoundException NotFound(string name) => new($"No profile '{name}'; list them with GET /api/v1/profiles.");
}
