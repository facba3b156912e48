using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Routing;
using XmppPrivacy.Streams;

namespace XmppPrivacy.Hosting;

/// <summary>Runs one <see cref="ComponentLink"/> per configured domain for the life of the host.</summary>
public sealed class ComponentLinks(
    IReadOnlyList<ComponentLinkOptions> links, IStanzaRouter router, LinkStatus status, TimeProvider time, ILoggerFactory loggers)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var link in links) status.Set(link.Domain, LinkState.Connecting);
        return Task.WhenAll(links.Select(link =>
            new ComponentLink(link, router, status, time, loggers.CreateLogger<ComponentLink>()).RunAsync(stoppingToken)));
    }
}
