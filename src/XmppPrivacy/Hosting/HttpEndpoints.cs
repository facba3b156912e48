using System.Text.Json;
using System.Text.Json.Serialization;
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
    public static void Map(WebApplication app, FeatureSet features)
    {
        app.MapGet("/health", async (HttpContext context, LinkStatus links) =>
        {
            var all = links.All;
            var healthy = all.Count > 0 && all.All(l => l.State == LinkState.Connected);
            var body = new HealthReport(healthy ? "ok" : "degraded",
                [.. all.Select(l => new LinkHealth(l.Domain, Describe(l.State), l.Since, l.LastError, l.Failures))]);
            foreach (var health in features.Health)
                body.Parts[health.Key] = await health.Report(context.RequestServices, context.RequestAborted);
            return Results.Json(body, HealthJson.Default.HealthReport, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
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

/// <summary><c>/health</c>: the status, the links, then each feature's part under its key.</summary>
public sealed record HealthReport(string Status, IReadOnlyList<LinkHealth> Links)
{
    [JsonExtensionData]
    public Dictionary<string, JsonElement> Parts { get; } = new(StringComparer.Ordinal);
}

public sealed record LinkHealth(string Domain, string State, DateTimeOffset Since, string? LastError, int Failures);

/// <summary>The JSON of <c>/health</c>, generated at build time (no reflection, so it works in the Native AOT binary).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(HealthReport))]
internal sealed partial class HealthJson : JsonSerializerContext;
