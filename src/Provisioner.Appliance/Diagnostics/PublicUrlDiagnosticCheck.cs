using Provisioner.Appliance.Api;
using Provisioner.Appliance.Boot;
using Provisioner.Appliance.Options;

namespace Provisioner.Appliance.Diagnostics;

/// <summary>
/// Nodes fetch their iPXE script, kernel, initrd and image from PublicBaseUrl: the appliance itself must reach it (it is
/// one of its own addresses). A failure here means no machine can either.
/// </summary>
public sealed class PublicUrlDiagnosticCheck(ApplianceSettings settings, IHttpClientFactory clients) : IDiagnosticCheck
{
    public string Name => "http-public-url";

    public TimeSpan Timeout => TimeSpan.FromSeconds(6);

    public async Task<DiagnosticResult> RunAsync(CancellationToken cancellationToken)
    {
        var baseUrl = NodeTemplates.PublicBaseUrl(settings);
        var url = new Uri(baseUrl + "/healthz");
        var fix = $"Set PublicBaseUrl to an http:// address of this appliance that the nodes' network reaches (now {baseUrl}), and make " +
                  "Http:Urls listen on it.";
        using var http = clients.CreateClient(nameof(PublicUrlDiagnosticCheck));
        http.Timeout = TimeSpan.FromSeconds(4);
        try
        {
            using var response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? DiagnosticResult.Ok($"{baseUrl} answers (what nodes use for scripts, kernels and images).")
                : DiagnosticResult.Fail($"{url} answered {(int)response.StatusCode}: something other than this appliance is there.", fix);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return DiagnosticResult.Fail($"This appliance cannot reach its own public URL {baseUrl}: {e.Message}", fix);
        }
    }
}
