using Provisioner.TestKit;

namespace Provisioner.Power.Tests;

/// <summary>Drives a task that waits on a <see cref="ManualTimeProvider"/> by advancing the clock in small steps.</summary>
internal static class VirtualTime
{
    public static async Task<T> RunAsync<T>(ManualTimeProvider time, Func<Task<T>> start, TimeSpan? step = null, int maxSteps = 100_000)
    {
        var task = start();
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            await Task.Yield();
            if (!task.IsCompleted)
            {
                time.Advance(step ?? TimeSpan.FromMilliseconds(100));
            }
        }

        return await task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public static Task RunAsync(ManualTimeProvider time, Func<Task> start, TimeSpan? step = null) =>
        RunAsync(time, async () => { await start(); return true; }, step);
}
