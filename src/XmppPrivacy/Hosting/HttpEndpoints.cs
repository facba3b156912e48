using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using XmppPrivacy.Services.Bridge;
using XmppPrivacy.Services.Delegation;
using XmppPrivacy.Streams;

namespace XmppPrivacy.Hosting;

/// <summary>The HTTP side: <c>/health</c> and <c>/metrics</c>. Nothing else is served yet, and nothing lists directories.</summary>
public static class HttpEndpoints
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static void Map(WebApplication app)
    {
        app.MapGet("/health", (LinkStatus links, BridgeService bridge, DelegationService delegation) =>
        {
            var all = links.All;
            var healthy = all.Count > 0 && all.All(l => l.State == LinkState.Connected);
            var body = new
            {
                status = healthy ? "ok" : "degraded",
                links = all.Select(l => new
                {
                    domain = l.Domain,
                    state = Describe(l.State),
                    since = l.Since,
                    lastError = l.LastError,
                    failures = l.Failures,
                }),
                bridge = new
                {
                    present = bridge.State.Present,
                    serverStarted = bridge.State.ServerStarted,
                    lastEvent = bridge.State.LastEvent,
                },
                delegation = new
                {
                    namespaces = delegation.State.Namespaces,
                    privileges = delegation.State.Privileges,
                },
            };
            return Results.Json(body, Json, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/metrics", (Metrics metrics) => Results.Text(metrics.Render(), "text/plain; version=0.0.4"));
    }

    public static string Describe(LinkState state) => state switch
    {
        LinkState.Connected => "connected",
        LinkState.Connecting => "connecting",
        LinkState.BackingOff => "backing off",
        LinkState.AuthenticationFailed => "authentication failed",
        _ => "stopped",
    };
}
