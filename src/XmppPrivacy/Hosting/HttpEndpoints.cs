using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using XmppPrivacy.Services.Archive;
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
        app.MapGet("/health", async (LinkStatus links, BridgeService bridge, DelegationService delegation, ArchiveStore archive, TimeProvider time) =>
        {
            var oldest = await archive.OldestMessageAgeAsync(time.GetUtcNow(), CancellationToken.None);
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
                archive = new
                {
                    oldestMessageAgeSeconds = oldest is { } age ? Math.Round(age.TotalSeconds) : (double?)null,
                    expiresAfterSeconds = archive.Options.ExpiresAfter.TotalSeconds,
                },
                delegation = new
                {
                    namespaces = delegation.State.Namespaces,
                    privileges = delegation.State.Privileges,
                },
            };
            return Results.Json(body, Json, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/metrics", async (Metrics metrics, ArchiveStore archive, TimeProvider time) =>
        {
            var oldest = await archive.OldestMessageAgeAsync(time.GetUtcNow(), CancellationToken.None);
            var text = metrics.Render() + $"xmppprivacy_archive_oldest_message_age_seconds {(oldest ?? TimeSpan.Zero).TotalSeconds:0}\n";
            return Results.Text(text, "text/plain; version=0.0.4");
        });
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
