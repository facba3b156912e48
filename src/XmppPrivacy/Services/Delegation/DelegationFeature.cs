using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting.Features;

namespace XmppPrivacy.Services.Delegation;

/// <summary>What the server delegates to us (XEP-0355) and lets us do (XEP-0356), shown in <c>/health</c>.</summary>
public sealed class DelegationFeature : IFeature
{
    public string Name => "delegation";

    public void Declare(FeatureBuilder feature) => feature
        .Component<DelegationService>()
        .Health("delegation", (services, _) =>
        {
            var state = services.GetRequiredService<DelegationService>().State;
            return Task.FromResult<object?>(new { namespaces = state.Namespaces, privileges = state.Privileges });
        });
}
