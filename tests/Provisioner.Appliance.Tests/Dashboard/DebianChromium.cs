using Microsoft.Playwright;

namespace Provisioner.Appliance.Tests.Dashboard;

/// <summary>Debian's chromium, headless, as every browser test runs it (no sandbox in containers, no network of its own).</summary>
public static class DebianChromium
{
    /// <summary>Where the browser tests leave their screenshots.</summary>
    public static string ScreenshotDir => Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    /// <summary>Launches the browser (the test fails, never skips, when chromium is missing).</summary>
    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        TestKit.Peers.Require("chromium");
        Directory.CreateDirectory(ScreenshotDir);
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update", "--no-first-run"],
        });
    }
}
