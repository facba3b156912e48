using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;
using XmppPrivacy.Hosting.Features;
using XmppPrivacy.Streams;

namespace XmppPrivacy.Hosting;

/// <summary>
/// The HTTP side: <c>/health</c> (the links, then each feature's part), <c>/metrics</c> (Prometheus text format
/// by prometheus-net: our instruments, the .NET runtime's and the process's), then each feature's own routes.
/// Nothing lists directories.
/// </summary>
public static class HttpEndpoints
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static void Map(WebApplication app, FeatureSet features)
    {
        app.MapGet("/health", async (HttpContext context, LinkStatus links) =>
        {
            var all = links.All;
            var healthy = all.Count > 0 && all.All(l => l.State == LinkState.Connected);
            var body = new Dictionary<string, object?>
            {
                ["status"] = healthy ? "ok" : "degraded",
                ["links"] = all.Select(l => new
                {
                    domain = l.Domain,
                    state = Describe(l.State),
                    since = l.Since,
                    lastError = l.LastError,
                    failures = l.Failures,
                }),
            };
            foreach (var health in features.Health)
                body[health.Key] = await health.Report(context.RequestServices, context.RequestAborted);
            return Results.Json(body, Json, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });

        var registry = app.Services.GetRequiredService<CollectorRegistry>();
        _ = app.Services.GetRequiredService<Metrics>(); // its collectors exist before the first scrape
        app.MapMetrics("/metrics", registry);

        foreach (var map in features.Routes) map(app);
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
