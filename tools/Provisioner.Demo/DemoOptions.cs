using System.Globalization;

namespace Provisioner.Demo;

/// <summary>Command line of the demo (also used by bench/rack.sh).</summary>
internal sealed record DemoOptions(int Machines, int Port, bool ExitWhenDeployed, string? PhasesFile)
{
    public static DemoOptions? Parse(string[] args)
    {
        var o = new DemoOptions(2, int.TryParse(Environment.GetEnvironmentVariable("DEMO_PORT"), out var p) ? p : 8080, false, null);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                o = args[i] switch
                {
                    "--machines" => o with { Machines = Math.Clamp(int.Parse(Next(), CultureInfo.InvariantCulture), 1, 8) },
                    "--port" => o with { Port = int.Parse(Next(), CultureInfo.InvariantCulture) },
                    "--exit-when-deployed" => o with { ExitWhenDeployed = true },
                    "--phases" => o with { PhasesFile = Next() },
                    _ => throw new ArgumentException($"unknown option {args[i]}"),
                };
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                Console.Error.WriteLine("demo: " + e.Message);
                return null;
            }
        }

        return o;
    }
}
