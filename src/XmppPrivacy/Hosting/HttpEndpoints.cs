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
            context.Response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "application/json; charset=utf-8";
            // The host's part, then each feature's with its own source-generated JSON context.
            await using var writer = new Utf8JsonWriter(context.Response.BodyWriter, new JsonWriterOptions { Indented = true });
            writer.WriteStartObject();
            writer.WriteString("status", healthy ? "ok" : "degraded");
            writer.WritePropertyName("links");
            JsonSerializer.Serialize(writer, [.. all.Select(l => new LinkHealth(l.Domain, Describe(l.State), l.Since, l.LastError, l.Failures))],
                HealthJson.Default.IReadOnlyListLinkHealth);
            foreach (var health in features.Health)
            {
                writer.WritePropertyName(health.Key);
                await health.Write(writer, context.RequestServices, context.RequestAborted);
            }
            writer.WriteEndObject();
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

/// <summary>One link in <c>/health</c>.</summary>
public sealed record LinkHealth(string Domain, string State, DateTimeOffset Since, string? LastError, int Failures);

/// <summary>The host's part of <c>/health</c>, generated at build time (no reflection, so it works in the Native AOT binary).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(IReadOnlyList<LinkHealth>))]
internal sealed partial class HealthJson : JsonSerializerContext;
