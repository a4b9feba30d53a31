using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using Provisioner.Appliance.Tests.Power;

namespace Provisioner.Appliance.Tests.Dashboard;

/// <summary>
/// Manual power in a real browser (Debian's chromium, headless) against the real appliance and its SQLite store: a power
/// job asks the operator, the request shows on Power requests (with a count in the navigation) and on the node page;
/// "Done" makes the node On and moves the request to the history, "Dismiss" leaves the power state alone.
/// </summary>
[Trait("Area", "Dashboard")]
[Trait("Peer", "chromium")]
public sealed class PowerRequestsBrowserTests : IAsyncLifetime
{
    private readonly ManualPowerAppliance _appliance = new();
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    private static string ScreenshotDir => DebianChromium.ScreenshotDir;

    public async Task InitializeAsync()
    {
        TestKit.Peers.Require("chromium");
        await _appliance.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await DebianChromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _appliance.DisposeAsync();
    }

    private async Task<IPage> SignedInPageAsync(string user)
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = _appliance.Process.BaseUrl, ViewportSize = new() { Width = 1400, Height = 900 } });
        page.SetDefaultTimeout(15_000);
        await page.GotoAsync("/login");
        await page.FillAsync("input[name=Name]", user);
        await page.FillAsync("input[name=Password]", ManualPowerAppliance.Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(u => !u.Contains("/login", StringComparison.Ordinal));
        return page;
    }

    /// <summary>The request's row as the appliance stored it in its SQLite file (status, resolved by).</summary>
    private async Task<(long Status, string? ResolvedBy)> StoredAsync(string requestId)
    {
        await using var db = new SqliteConnection($"Data Source={Path.Combine(_appliance.Process.DataDirectory, "provisioner.db")};Mode=ReadOnly;Pooling=false");
        await db.OpenAsync();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT status, resolved_by FROM operator_requests WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", requestId);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"request {requestId} is not in the appliance's database");
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    [Fact]
    public async Task PowerOnJob_RequestOnPowerRequestsAndNodePage_DoneMakesItOn_DismissLeavesItAlone()
    {
        var (host, nodeId) = await _appliance.ManualNodeAsync("row B, rack 4, U20: press the front button");
        var page = await SignedInPageAsync("oscar");
        await Assertions.Expect(page.Locator("#power-requests-count")).ToHaveCountAsync(0);

        var (onJob, on) = await _appliance.PowerAndWaitForRequestAsync(host, "on");
        var onId = on["id"]!.GetValue<string>();

        // The Power requests page lists it with its instructions; the navigation counts it.
        await page.GotoAsync("/power-requests");
        var row = page.Locator($"#pending-requests tr[data-request-id='{onId}']");
        await Assertions.Expect(row.Locator("[data-field=what]")).ToHaveTextAsync("power on");
        await Assertions.Expect(row.Locator("[data-field=instructions]")).ToHaveTextAsync("row B, rack 4, U20: press the front button");
        await Assertions.Expect(row.Locator($"a[href='/nodes/{nodeId}']")).ToHaveTextAsync(host);
        await Assertions.Expect(row.Locator($"a[href='/jobs/{onJob}']")).ToHaveTextAsync("power-on");
        await Assertions.Expect(page.Locator("#power-requests-count")).ToHaveTextAsync("1");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, "power-requests.png"), FullPage = true });

        // The node page shows what it is waiting for.
        await page.GotoAsync($"/nodes/{nodeId}");
        await Assertions.Expect(page.Locator($"#node-power-requests tr[data-request-id='{onId}'] [data-field=what]")).ToHaveTextAsync("power on");
        await Assertions.Expect(page.Locator("#node-power")).ToContainTextAsync("power unknown");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, "node-waiting-for-operator.png"), FullPage = true });

        // Done: the request moves to the history, the node is On, the count is gone.
        await page.GotoAsync("/power-requests");
        await page.ClickAsync($"#done-{onId}");
        await Assertions.Expect(page.Locator(".flash.ok")).ToContainTextAsync($"{host}: power on marked done.");
        await Assertions.Expect(page.Locator($"#pending-requests tr[data-request-id='{onId}']")).ToHaveCountAsync(0);
        var history = page.Locator($"#request-history tr[data-request-id='{onId}']");
        await Assertions.Expect(history.Locator("[data-field=status]")).ToHaveTextAsync("done");
        await Assertions.Expect(history.Locator("[data-field=by]")).ToHaveTextAsync("oscar");
        await Assertions.Expect(page.Locator("#power-requests-count")).ToHaveCountAsync(0);
        Assert.Equal((2L, "oscar"), await StoredAsync(onId));
        await page.GotoAsync($"/nodes/{nodeId}");
        await Assertions.Expect(page.Locator("#node-power")).ToContainTextAsync("power on");
        await Assertions.Expect(page.Locator("#node-power-requests")).ToHaveCountAsync(0);
        Assert.Equal("on", (await _appliance.Admin.GetAsync($"api/v1/nodes/{host}"))["powerState"]!.GetValue<string>());

        // Dismiss, from the node page: the request is resolved, the node stays On.
        var (_, off) = await _appliance.PowerAndWaitForRequestAsync(host, "off");
        var offId = off["id"]!.GetValue<string>();
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator($"#node-power-requests tr[data-request-id='{offId}'] [data-field=what]")).ToHaveTextAsync("power off (hard)");
        await page.ClickAsync($"#node-dismiss-{offId}");
        await page.WaitForURLAsync(u => u.EndsWith($"/nodes/{nodeId}", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator(".flash.ok")).ToContainTextAsync($"{host}: power off (hard) dismissed.");
        await Assertions.Expect(page.Locator("#node-power-requests")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#node-power")).ToContainTextAsync("power on");
        Assert.Equal((3L, "oscar"), await StoredAsync(offId));
        await page.GotoAsync("/power-requests");
        await Assertions.Expect(page.Locator($"#request-history tr[data-request-id='{offId}'] [data-field=status]")).ToHaveTextAsync("dismissed");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, "power-requests-history.png"), FullPage = true });
    }

    [Fact]
    public async Task Viewer_SeesTheRequestButNoButtons()
    {
        var (host, _) = await _appliance.ManualNodeAsync("rack 9");
        var (_, request) = await _appliance.PowerAndWaitForRequestAsync(host, "cycle");
        var id = request["id"]!.GetValue<string>();
        var page = await SignedInPageAsync("victor");

        await page.GotoAsync("/power-requests");

        await Assertions.Expect(page.Locator($"#pending-requests tr[data-request-id='{id}'] [data-field=what]")).ToHaveTextAsync("power cycle (off, wait, on)");
        await Assertions.Expect(page.Locator($"#done-{id}")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator($"#dismiss-{id}")).ToHaveCountAsync(0);
    }
}
