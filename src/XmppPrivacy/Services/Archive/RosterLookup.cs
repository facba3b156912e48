using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Hosting;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// Who is in a user's roster, for the <c>roster</c> archiving policy: asked of the server with the XEP-0356
/// roster permission (<c>&lt;iq type='get' to='user@host'&gt;&lt;query xmlns='jabber:iq:roster'/&gt;</c>) and
/// kept for <see cref="CacheTime"/>, so a contact added or removed counts within that time. Any roster item
/// counts, whatever its subscription (as in Prosody's mod_mam). When the server refuses or does not answer,
/// the roster is unknown and nothing is archived on its account.
/// </summary>
public sealed partial class RosterLookup(Domains domains, IqTracker iqs, TimeProvider time, ILogger<RosterLookup> logger) : IAccountData
{
    public string Name => "roster-cache";

    public static readonly TimeSpan CacheTime = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (long At, HashSet<string> Contacts)> _cache = new(StringComparer.Ordinal);
    private int _warned;

    /// <summary>Whether <paramref name="contact"/> is in <paramref name="owner"/>'s roster; null when the server did not say.</summary>
    public async Task<bool?> ContainsAsync(IOutbound outbound, Jid owner, Jid contact, CancellationToken cancellationToken)
    {
        var key = ArchiveStore.Key(owner);
        var now = time.GetTimestamp();
        if (_cache.TryGetValue(key, out var cached) && time.GetElapsedTime(cached.At, now) < CacheTime)
            return cached.Contacts.Contains(ArchiveStore.Key(contact));
        var roster = await FetchAsync(outbound, owner, cancellationToken);
        if (roster is null) return null;
        _cache[key] = (now, roster);
        return roster.Contains(ArchiveStore.Key(contact));
    }

    /// <summary>Forgets what is known of a deleted account's roster.</summary>
    public ValueTask<int> DeleteAccountAsync(Account account, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_cache.TryRemove(account.Key, out _) ? 1 : 0);

    public async IAsyncEnumerable<Account> AccountsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        foreach (var key in _cache.Keys)
            if (Account.TryParse(key, out var account)) yield return account;
    }

    private async Task<HashSet<string>?> FetchAsync(IOutbound outbound, Jid owner, CancellationToken cancellationToken)
    {
        var iq = Stanza.Iq("get", domains.Privacy, owner.Bare.ToString(), "roster-" + Guid.NewGuid().ToString("N")[..12],
            new XElement(Ns.Roster + "query"));
        XElement answer;
        try
        {
            answer = await iqs.SendAsync(outbound, iq, AnswerTimeout, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Warn("no answer");
            return null;
        }
        if (answer.Type() != "result" || answer.Element(Ns.Roster + "query") is not { } query)
        {
            Warn(answer.Element(Ns.Component + "error")?.Elements().FirstOrDefault()?.Name.LocalName ?? "no roster");
            return null;
        }
        var contacts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in query.Elements(Ns.Roster + "item"))
            if (Jid.TryParse((string?)item.Attribute("jid"), out var jid) && (string?)item.Attribute("subscription") != "remove")
                contacts.Add(ArchiveStore.Key(jid));
        return contacts;
    }

    private void Warn(string reason)
    {
        // Once per process: a missing permission would otherwise log on every message.
        if (Interlocked.Exchange(ref _warned, 1) == 0) LogRosterUnknown(logger, reason);
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning,
        Message = "The server did not give a roster ({Reason}); the roster archiving policy archives nothing until it does. Grant the roster permission (XEP-0356) to the privacy domain")]
    private static partial void LogRosterUnknown(ILogger logger, string reason);
}
