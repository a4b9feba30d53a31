using Provisioner.Appliance.Identity;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Api;

public static class ApiCaller
{
    /// <summary>The signed-in caller, with "api"/"dashboard" and the client address as the audit source.</summary>
    public static Caller Of(HttpContext context)
    {
        var channel = context.User.UsesCookie() ? "dashboard" : "api";
        var address = context.Connection.RemoteIpAddress?.ToString();
        return new Caller(context.User.ActorName(), address is null ? channel : $"{channel} {address}");
    }

    public static Task RecordAsync(this IAuditLog audit, HttpContext context, string action, string objectType, string? objectId, string? details)
    {
        var caller = Of(context);
        return audit.AppendAsync(new AuditEvent
        {
            At = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(),
            Actor = caller.Name,
            Action = action,
            ObjectType = objectType,
            ObjectId = objectId,
            Source = caller.Source,
            Details = details,
        }, context.RequestAborted);
    }
}
