namespace Provisioner.Storage.Sql;

/// <summary>Builds "contains" LIKE patterns with the user's % and _ taken literally (ESCAPE '\').</summary>
internal static class LikePattern
{
    /// <summary>Lower-cased, for columns compared through lower().</summary>
    public static string Contains(string text) => ContainsExact(text.ToLowerInvariant());

    public static string ContainsExact(string text) =>
        "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal) + "%";
}
