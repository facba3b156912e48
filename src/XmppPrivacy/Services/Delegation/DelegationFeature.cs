using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting.Features;

namespace XmppPrivacy.Services.Delegation;

/// <summary>What the server delegates to us (XEP-0355) and lets us do (XEP-0356), shown in <c>/health</c>.</summary>
public sealed class DelegationFeature : IFeature
{
    public string Name => "delegation";

    public void Declare(FeatureBuilder feature) => feature
        .Component<DelegationService>()
        .Health("delegation", DelegationJson.Default.DelegationHealth, (services, _) =>
        {
            var state = services.GetRequiredService<DelegationService>().State;
            return Task.FromResult(new DelegationHealth(state.Namespaces, state.Privileges));
        });
}

/// <summary>What the server delegates and grants, in <c>/health</c>.</summary>
public sealed record DelegationHealth(IReadOnlyCollection<string> Namespaces, IReadOnlyCollection<string> Privileges);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DelegationHealth))]
internal sealed partial class DelegationJson : JsonSerializerContext;
