using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Provisioner.Appliance.Tests.Api;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser (Debian's chromium, headless): sign in, rack view, a job's progress bar reaching 100 %
/// live, template edit + validate + preview, sign out. Screenshots go to TestResults/screenshots/.
/// </summary>
[Trait("Area", "Dashboard")]
[Trait("Peer", "chromium")]
public sealed partial class DashboardBrowserTests : IAsyncLifetime
{
    private TestAppliance _app = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    private static string ScreenshotDir => DebianChromium.ScreenshotDir;

    public async Task InitializeAsync()
    {
        TestKit.Peers.Require("chromium");
        _app = await TestAppliance.StartAsync(TimeSpan.FromMilliseconds(250));
        _playwright = await Playwright.CreateAsync();
        _browser = await DebianChromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<IPage> SignedInPageAsync(string user = "alice", UserRole role = UserRole.Admin)
    {
        await _app.TokenForAsync(role, user);
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = _app.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 900 } });
        page.SetDefaultTimeout(15_000);
        await page.GotoAsync("/");
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
        await page.FillAsync("input[name=Name]", user);
        await page.FillAsync("input[name=Password]", TestAppliance.Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(u => !u.Contains("/login", StringComparison.Ordinal));
        return page;
    }

    [Fact]
    public async Task SignIn_RackView_DeployJobReaches100Percent_SignOut()
    {
        var (_, _, nodes) = await _app.SeedAsync(12, zoneName: "dc1", bpodName: "r01");
        await _app.SeedAsync(8, zoneName: "dc1", bpodName: "r02");
        var page = await SignedInPageAsync();

        // Rack view: both racks, each node in its slot coloured by state.
        await Assertions.Expect(page.Locator(".rack")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator(".slot.st-ready")).ToHaveCountAsync(20);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, "racks.png"), FullPage = true });

        // Node page, deploy: the job page's progress bar moves to 100 % over SSE, without a reload.
        await page.ClickAsync($"a.slot[data-node-id='{nodes[0].Id}']");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(nodes[0].Hostname);
        await page.SelectOptionAsync("select[name=image]", "ubuntu-24.04");
        await page.ClickAsync("#action-deploy");
        // Polls the address rather than waiting for a navigation event: in loaded full runs the POST-redirect-GET had
        // reached the job page while WaitForURL still waited (with load, and then with commit).
        await Assertions.Expect(page).ToHaveURLAsync(JobPage(), new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#job-state")).ToHaveTextAsync("running", new() { Timeout = 10_000 });
        var loadedAt = await page.EvaluateAsync<double>("performance.timeOrigin");
        await Assertions.Expect(page.Locator("tr[data-step-index='3'] [data-field=detail]")).ToContainTextAsync("GiB", new() { Timeout = 15_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, "job-running.png"), FullPage = true });
        await Assertions.Expect(page.Locator("#job-percent")).ToHaveTextAsync("100%", new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("#job-state")).ToHaveTextAsync("succeeded");
        Assert.Equal(loadedAt, await page.EvaluateAsync<double>("performance.timeOrigin"));
        Assert.Equal("100%", await page.Locator("#job-bar").EvaluateAsync<string>("e => e.style.width"));
        Assert.Contains("step reboot succeeded", await page.Locator("#job-log").InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, "job-done.png"), FullPage = true });

        // The node moved on; the node page shows it.
        await page.GotoAsync($"/nodes/{nodes[0].Id}");
        await Assertions.Expect(page.Locator("#node-state")).ToHaveTextAsync("deployed");
        Assert.DoesNotContain("bmc-secret", await page.ContentAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, "node.png"), FullPage = true });

        // Search by MAC from the top bar.
        await page.FillAsync("header input[name=q]", nodes[5].Interfaces[0].Mac.ToString());
        await page.PressAsync("header input[name=q]", "Enter");
        await Assertions.Expect(page.Locator("table.grid tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("table.grid tbody tr a").First).ToHaveTextAsync(nodes[5].Hostname);

        await page.ClickAsync("#sign-out");
        await page.WaitForURLAsync(u => u.Contains("/login", StringComparison.Ordinal));
        await page.GotoAsync("/jobs");
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TemplateEditor_EditValidatePreviewSaveDiffRollback()
    {
        var (_, _, nodes) = await _app.SeedAsync(2, zoneName: "dc2", bpodName: "r01");
        await _app.Store.Templates.AddVersionAsync("user-data", "cloud-init-user-data", "#cloud-config\nhostname: {{hostname}}\n", "seed", "first", true, default);
        var page = await SignedInPageAsync("olivia", UserRole.Operator);

        await page.GotoAsync("/templates");
        await page.ClickAsync("a[href='/templates/user-data']");
        await Assertions.Expect(page.Locator("#template-content")).ToHaveValueAsync("#cloud-config\nhostname: {{hostname}}\n");

        // A broken edit is reported by validate.
        await page.FillAsync("#template-content", "#cloud-config\nhostname: {{hostname\n");
        await page.ClickAsync("#validate");
        await Assertions.Expect(page.Locator("#issues li.error")).ToContainTextAsync("line 2");

        // A good one validates and previews for the chosen node.
        await page.FillAsync("#template-content", "#cloud-config\nhostname: {{hostname}}\nfqdn: {{hostname}}.lab\n");
        await page.ClickAsync("#validate");
        await Assertions.Expect(page.Locator("#valid")).ToBeVisibleAsync();
        await page.SelectOptionAsync("#preview-node", nodes[1].Id.ToString());
        await page.ClickAsync("#preview");
        await Assertions.Expect(page.Locator("#preview-output")).ToContainTextAsync($"fqdn: {nodes[1].Hostname}.lab");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, "template-preview.png"), FullPage = true });

        // Save as version 2 (active), diff against 1, roll back to 1.
        await page.FillAsync("input[name=comment]", "add fqdn");
        await page.ClickAsync("#save");
        await Assertions.Expect(page.Locator(".flash.ok")).ToContainTextAsync("Saved version 2");
        await page.ClickAsync("text=diff with v2");
        await Assertions.Expect(page.Locator("pre.diff .add")).ToContainTextAsync("fqdn: {{hostname}}.lab");
        await page.ClickAsync("#activate-1");
        await Assertions.Expect(page.Locator(".flash.ok")).ToContainTextAsync("Version 1 is now active");
        Assert.Equal(1, (await _app.Store.Templates.GetActiveAsync("user-data", default))!.Version);
        Assert.Equal("olivia", (await _app.Store.Templates.GetVersionAsync("user-data", 2, default))!.Author);
    }

    [Fact]
    public async Task Viewer_SeesNoActionButtons_AndWrongPasswordIsRefused()
    {
        var (_, _, nodes) = await _app.SeedAsync(1, zoneName: "dc3", bpodName: "r01");
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = _app.BaseAddress.ToString() });
        await _app.TokenForAsync(UserRole.Viewer, "vera");
        await page.GotoAsync("/login");
        await page.FillAsync("input[name=Name]", "vera");
        await page.FillAsync("input[name=Password]", "not the password");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("#login-error")).ToContainTextAsync("Wrong user name or password");

        await page.FillAsync("input[name=Name]", "vera");
        await page.FillAsync("input[name=Password]", TestAppliance.Password);
        await page.ClickAsync("button[type=submit]");
        await page.GotoAsync($"/nodes/{nodes[0].Id}");
        await Assertions.Expect(page.Locator("#power-on")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("text=Viewers cannot act on nodes")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task JobPage_StepInterruptedByItsAppliance_SaysHowOftenNextToItsAttempt()
    {
        var (_, _, nodes) = await _app.SeedAsync(1, zoneName: "dc4", bpodName: "r01");
        _app.Jobs.FailNextAt("wait-agent", interruptions: 4);
        var job = await _app.Jobs.SubmitAsync(new Provisioner.Jobs.JobSubmission { Kind = "commission", NodeId = nodes[0].Id, RequestedBy = "test" },
            CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await _app.Jobs.GetAsync(job.Id, CancellationToken.None))!.State != Provisioner.Jobs.JobState.Failed)
        {
            Assert.True(DateTime.UtcNow < deadline, "the commission job did not fail at wait-agent");
            await Task.Delay(50);
        }

        var page = await SignedInPageAsync();
        await page.GotoAsync($"/jobs/{job.Id}");
        await Assertions.Expect(page.Locator("tr[data-step-index='2'] [data-field=interruptions]")).ToHaveTextAsync("· interrupted 4 times");
        await Assertions.Expect(page.Locator("[data-field=interruptions]")).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, "job-interrupted.png"), FullPage = true });
    }

    [GeneratedRegex("/jobs/[0-9a-f-]{36}$")]
    private static partial Regex JobPage();
}
