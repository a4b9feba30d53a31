namespace Provisioner.Appliance.Api;

/// <summary>A request that names something that does not exist: 404 with what was looked for.</summary>
public sealed class ApiNotFoundException(string message) : Exception(message);

/// <summary>Invalid input, per field: 400 with an <c>errors</c> object ({ field: [what to fix] }).</summary>
public sealed class ApiValidationException(IReadOnlyDictionary<string, string[]> errors, string? detail = null)
    : Exception(detail ?? "The request has invalid fields: " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    public static ApiValidationException For(string field, string problem) => new(new Dictionary<string, string[]> { [field] = [problem] });
}

/// <summary>A part of the appliance that is not wired in this build or configuration: 501 saying which.</summary>
public sealed class FeatureUnavailableException(string message) : Exception(message);

/// <summary>Collects field errors while mapping a request, then throws them all at once.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string problem)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(problem);
    }

    public void ThrowIfAny()
    {
        if (Any)
        {
            throw new ApiValidationException(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }
    }
}
