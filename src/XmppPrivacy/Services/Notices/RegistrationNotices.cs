using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Hosting;
using XmppPrivacy.Routing;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Notices;

/// <summary>
/// The anonymised registration notice. Registrations arrive from the bridge, or — without it — as the
/// servers' own watcher notices (Prosody's mod_watchregistrations, ejabberd's registration_watchers) sent to
/// the privacy domain; those are parsed and the address in them is dropped before anything else happens.
/// Every admin gets <c>User alice just registered on example.org from 127.0.0.1</c>, or, in a flood, an alert
/// as soon as the burst starts and a summary with the names when it ends (<see cref="RegistrationBurst"/>).
/// </summary>
public sealed partial class RegistrationNotices(
    Domains domains, NoticesOptions options, Metrics metrics, TimeProvider time,
    ILogger<RegistrationNotices> logger) : IComponentService
{
    private static readonly XNamespace Styling = "urn:xmpp:styling:0";
    private static readonly TimeSpan DuplicateWindow = TimeSpan.FromMinutes(5);
    private const int MaxUndelivered = 200;

    private readonly Lock _gate = new();
    private readonly RegistrationBurst _burst = new(options.BurstCount, options.BurstWindow);
    private readonly Dictionary<string, DateTimeOffset> _recent = new(StringComparer.Ordinal);
    private readonly Queue<string> _undelivered = new();
    private volatile IOutbound? _outbound;

    IReadOnlyCollection<string>? IComponentService.Domains => [domains.Privacy];

    public void Declare(ServiceBuilder service) => service
        .OnConnected(OnConnectedAsync)
        .Message(Ns.Component + "body", OnBodyAsync);

    /// <summary>A registration on the server (from the bridge or a parsed watcher notice).</summary>
    public async Task RegisteredAsync(string user, string host, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        BurstDecision decision;
        lock (_gate)
        {
            var key = user + "@" + host;
            foreach (var old in _recent.Where(r => r.Value <= now - DuplicateWindow).Select(r => r.Key).ToList()) _recent.Remove(old);
            if (!_recent.TryAdd(key, now))
            {
                metrics.Increment("xmppprivacy_registrations_duplicate_total");
                return; // the bridge and a watcher both reported it
            }
            decision = _burst.Register(user, host, now);
        }
        metrics.Increment("xmppprivacy_registrations_total");
        if (decision.Individual)
        {
            await NotifyAdminsAsync(RegistrationText.Notice(user, host), cancellationToken);
            return;
        }
        metrics.Increment("xmppprivacy_registration_notices_suppressed_total");
        if (decision.Alert is { } alert)
        {
            // The threshold was just crossed: admins hear of it now, not when the burst is over.
            metrics.Increment("xmppprivacy_registration_bursts_total");
            await NotifyAdminsAsync(alert.Text(options.BurstCount, options.BurstWindow), cancellationToken);
        }
    }

    /// <summary>An account was deleted; admins hear of it only when <c>Notices:NotifyDeletions</c> is on.</summary>
    public Task DeletedAsync(string user, string host, CancellationToken cancellationToken) =>
        options.NotifyDeletions
            ? NotifyAdminsAsync($"User {RegistrationText.SafeName(user)} deleted their account on {RegistrationText.SafeName(host)}; its data was deleted.", cancellationToken)
            : Task.CompletedTask;

    /// <summary>Sends the summary of a burst that ended, or its progress report (called by <see cref="NoticeDispatcher"/>).</summary>
    public async Task FlushDueAsync(CancellationToken cancellationToken)
    {
        BurstAlert? report;
        lock (_gate) report = _burst.TakeDue(time.GetUtcNow());
        if (report is null) return;
        await NotifyAdminsAsync(report.Text(options.BurstCount, options.BurstWindow), cancellationToken);
    }

    private async ValueTask OnConnectedAsync(IOutbound outbound, CancellationToken cancellationToken)
    {
        _outbound = outbound;
        List<string> pending;
        lock (_gate)
        {
            pending = [.. _undelivered];
            _undelivered.Clear();
        }
        foreach (var text in pending) await NotifyAdminsAsync(text, cancellationToken);
    }

    private async ValueTask OnBodyAsync(StanzaRequest request, CancellationToken cancellationToken)
    {
        if (!domains.IsServer(request.From))
        {
            // Users chatting with the service get the usual answer for a message nobody handles.
            if (request.Stanza.Type() is null or "normal" or "chat")
                await request.Outbound.SendAsync(Stanza.ErrorFor(request.Stanza, StanzaError.ServiceUnavailable()), cancellationToken);
            return;
        }
        // The address in the body is dropped here; nothing of the body is logged or stored.
        if (RegistrationText.ParseWatcherNotice(request.Payload!.Value) is not var (user, host))
        {
            metrics.Increment("xmppprivacy_watcher_notices_unparsed_total");
            LogUnparsed(logger);
            return;
        }
        metrics.Increment("xmppprivacy_watcher_notices_total");
        await RegisteredAsync(user, host, cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="text"/> to every admin from the privacy domain; kept (a bounded number) and sent once
    /// the connection is back when it is down. Other features tell admins through here too (the audit).
    /// </summary>
    public async Task NotifyAdminsAsync(string text, CancellationToken cancellationToken)
    {
        var outbound = _outbound;
        foreach (var admin in options.Admins)
        {
            var message = Stanza.Message("chat", domains.Privacy, admin, "n-" + Guid.NewGuid().ToString("N")[..12],
                new XElement(Ns.Component + "body", text), new XElement(Styling + "unstyled"));
            if (outbound is not null && await outbound.SendAsync(message, cancellationToken))
            {
                metrics.Increment("xmppprivacy_admin_notices_sent_total");
                continue;
            }
            lock (_gate)
            {
                if (_undelivered.Count >= MaxUndelivered) _undelivered.Dequeue();
                _undelivered.Enqueue(text);
            }
            return; // the whole text is retried for every admin once the connection is back
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "A message from the server domain to the privacy domain was not a registration notice we know; ignored")]
    private static partial void LogUnparsed(ILogger logger);
}
