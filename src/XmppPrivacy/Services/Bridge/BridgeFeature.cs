using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting.Features;

namespace XmppPrivacy.Services.Bridge;

/// <summary>
/// The channel to Prosody's <c>mod_privacy_bridge</c>: events (sessions, accounts, archive copies), account
/// reconciliation as a sweep, and whether the bridge answered, in <c>/health</c>.
/// </summary>
public sealed class BridgeFeature : IFeature
{
    public string Name => "bridge";

    public void Declare(FeatureBuilder feature) => feature
        .Component<BridgeService>()
        .Sweep<AccountReconcileSweep>()
        .Counter("xmppprivacy_bridge_hello_total", "Greetings the bridge answered.")
        .Counter("xmppprivacy_bridge_events_total", "Bridge events accepted, per kind.", "kind")
        .Counter("xmppprivacy_bridge_events_rejected_total", "Bridge events refused (malformed, or not from the server).")
        .Counter("xmppprivacy_bridge_dropped_total", "Events the bridge reported it dropped because its queue was full, per kind.", "kind")
        .Counter("xmppprivacy_accounts_reconciled_total", "Accounts the server no longer has whose data reconciliation deleted.")
        .Health("bridge", BridgeJson.Default.BridgeHealth, (services, _) =>
        {
            var state = services.GetRequiredService<BridgeService>().State;
            return Task.FromResult(new BridgeHealth(state.Present, state.ServerStarted, state.LastEvent));
        });
}

/// <summary>The bridge's part of <c>/health</c>.</summary>
public sealed record BridgeHealth(bool Present, DateTimeOffset? ServerStarted, DateTimeOffset? LastEvent);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(BridgeHealth))]
internal sealed partial class BridgeJson : JsonSerializerContext;
