using System.Text;
using Provisioner.Core.Lifecycle;

namespace Provisioner.Appliance.Api;

/// <summary>
/// The API spells enum values in kebab case ("failed-deployment", "mark-broken") in both directions, so scripts never
/// depend on numbers and the persisted enums stay free to grow.
/// </summary>
public static class ApiNames
{
    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum => Kebab(value.ToString());

    public static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var compact = text.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal);
        return !int.TryParse(compact, out _) && Enum.TryParse(compact, ignoreCase: true, out value) && Enum.IsDefined(value);
    }

    public static string[] All<TEnum>() where TEnum : struct, Enum => Enum.GetValues<TEnum>().Select(Of).ToArray();

    /// <summary>The actions an operator may request; the job outcomes (DeploySucceeded...) are the engine's.</summary>
    public static bool IsOperatorAction(NodeAction action) => action is NodeAction.Commission or NodeAction.Deploy or NodeAction.Release
        or NodeAction.Rescue or NodeAction.ExitRescue or NodeAction.MarkBroken or NodeAction.MarkFixed or NodeAction.Abort;

    public static string[] AllowedOperatorActions(NodeState state) =>
        NodeLifecycle.AllowedActions(state).Where(IsOperatorAction).Select(Of).ToArray();

    private static string Kebab(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c) && i > 0 && !char.IsUpper(pascal[i - 1]))
            {
                sb.Append('-');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }
}
