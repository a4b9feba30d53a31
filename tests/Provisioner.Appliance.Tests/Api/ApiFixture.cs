using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Tests.Api;

/// <summary>One appliance shared by the API tests of a class (starting Kestrel per test would dominate the run time).</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public TestAppliance App { get; private set; } = null!;

    public string AdminToken { get; private set; } = null!;

    public string OperatorToken { get; private set; } = null!;

    public string ViewerToken { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await TestAppliance.StartAsync();
        AdminToken = await App.TokenForAsync(UserRole.Admin, "alice");
        OperatorToken = await App.TokenForAsync(UserRole.Operator, "oscar");
        ViewerToken = await App.TokenForAsync(UserRole.Viewer, "victor");
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}
