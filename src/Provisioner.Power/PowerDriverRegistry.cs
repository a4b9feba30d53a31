using System.Collections.Frozen;
using Provisioner.Core.Power;

namespace Provisioner.Power;

/// <summary>The power drivers this appliance has, frozen by name at start-up.</summary>
public sealed class PowerDriverRegistry
{
    private readonly FrozenDictionary<string, IPowerDriver> _drivers;

    /// <summary>Registers <paramref name="drivers"/>; two drivers with one name is a wiring error.</summary>
    public PowerDriverRegistry(IEnumerable<IPowerDriver> drivers)
    {
        ArgumentNullException.ThrowIfNull(drivers);
        var map = new Dictionary<string, IPowerDriver>(StringComparer.OrdinalIgnoreCase);
        foreach (var d in drivers)
        {
            if (!map.TryAdd(d.Name, d))
            {
                throw new ArgumentException($"Two power drivers are named '{d.Name}'.", nameof(drivers));
            }
        }

        _drivers = map.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>All drivers, by name.</summary>
    public IEnumerable<IPowerDriver> All => _drivers.Values.OrderBy(d => d.Name, StringComparer.Ordinal);

    /// <summary>The driver called <paramref name="name"/>; a misconfiguration error when there is none.</summary>
    public IPowerDriver Get(string name) =>
        _drivers.TryGetValue(name, out var d)
            ? d
            : throw new PowerException($"No power driver named '{name}' (known: {string.Join(", ", _drivers.Keys.Order(StringComparer.Ordinal))}).",
                PowerErrorKind.Misconfigured, isTransient: false);

    /// <summary>Finds a driver without throwing.</summary>
    public bool TryGet(string name, out IPowerDriver driver) => _drivers.TryGetValue(name, out driver!);

    /// <summary>Checks a target's required settings against its driver's declaration; returns the problems.</summary>
    public IReadOnlyList<string> Validate(PowerTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!TryGet(target.Driver, out var driver))
        {
            return [$"unknown power driver '{target.Driver}'"];
        }

        return driver.Settings.Where(s => s.Required && target.Setting(s.Name) is null && s.DefaultValue is null)
            .Select(s => $"setting '{s.Name}' is required by driver '{driver.Name}' ({s.Description})").ToList();
    }
}
