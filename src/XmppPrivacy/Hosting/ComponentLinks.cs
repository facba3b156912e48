using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Routing;
using XmppPrivacy.Streams;

namespace XmppPrivacy.Hosting;

/// <summary>Runs one <see cref="ComponentLink"/> per configured domain for the life of the host.</summary>
public sealed partial class ComponentLinks(
    IReadOnlyList<ComponentLinkOptions> links, IStanzaRouter router, LinkStatus status, TimeProvider time, ILoggerFactory loggers)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!StanzaNames.Bounded) LogNamesUnbounded(loggers.CreateLogger<ComponentLinks>());
        foreach (var link in links) status.Set(link.Domain, LinkState.Connecting);
        return Task.WhenAll(links.Select(link =>
            new ComponentLink(link, router, status, time, loggers.CreateLogger<ComponentLink>()).RunAsync(stoppingToken)));
    }

    [LoggerMessage(EventId = 1020, Level = LogLevel.Warning, Message = "This runtime does not let the stream reader bound the element and attribute names a peer may add; every new name stays in memory")]
    private static partial void LogNamesUnbounded(ILogger logger);
}
