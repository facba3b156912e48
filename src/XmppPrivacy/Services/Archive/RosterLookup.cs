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
/// roster permission (<c>&lt;iq type='get' to='user@host'&gt;&lt;query xmlns='jabber:iq:roster'/&gt;</c>). Any
/// roster item counts, whatever its subscription (as in Prosody's mod_mam). Never waits: a copy whose owner's
/// roster is known is decided at once; otherwise it is held (bounded) and decided when the answer comes, so
/// one user's slow or missing roster delays nobody else's archive (docs/archive.md, "The roster policy").
/// <list type="bullet">
/// <item>A roster is kept for <see cref="CacheTime"/> and asked again in the background once it is
/// <see cref="RefreshAfter"/> old, so a contact added or removed counts within that time.</item>
/// <item>A refusal or no answer is kept for <see cref="FailureTime"/>: the roster is unknown and nothing is
/// archived on that account, and a missing permission costs one request per interval, not one per message.</item>
/// <item>Concurrent needs of one owner share one request. At most <see cref="MaxAccounts"/> accounts and
/// <see cref="MaxContacts"/> contacts in all are kept, least recently used first out.</item>
/// </list>
/// </summary>
public sealed partial class RosterLookup : IAccountData
{
    public static readonly TimeSpan CacheTime = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan FailureTime = TimeSpan.FromSeconds(5);
    public const int MaxAccounts = 1_000;
    public const int MaxContacts = 100_000;
    public const int MaxHeldPerAccount = 500;
    public const int MaxHeld = 5_000;
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);

    private readonly Func<IOutbound, Jid, CancellationToken, Task<RosterAnswer>> _fetch;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _used = new(); // most recently used first
    private int _contacts, _held, _warned, _overflowWarned;

    public RosterLookup(Domains domains, IqTracker iqs, TimeProvider time, ILogger<RosterLookup> logger)
        : this((outbound, owner, ct) => FetchAsync(domains, iqs, outbound, owner, ct), time, logger)
    {
    }

    /// <summary>With another source of rosters (tests).</summary>
    internal RosterLookup(Func<IOutbound, Jid, CancellationToken, Task<RosterAnswer>> fetch, TimeProvider time, ILogger logger)
    {
        _fetch = fetch;
        _time = time;
        _logger = logger;
    }

    public string Name => "roster-cache";

    /// <summary>Accounts whose roster (or failure) is kept now.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _entries.Count;
        }
    }

    /// <summary>Copies held until their owners' rosters are known.</summary>
    public int Held
    {
        get
        {
            lock (_lock) return _held;
        }
    }

    /// <summary>
    /// Whether <paramref name="contact"/> is in <paramref name="owner"/>'s roster, without waiting: known (true or
    /// false), unknown (null: the server refused or did not answer lately, or too many copies are held), or held:
    /// the copy made by <paramref name="hold"/> is decided and stored once the server answers.
    /// </summary>
    public RosterCheck Check(IOutbound outbound, Account owner, Jid contact, Func<HeldCopy> hold, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        Entry entry;
        RosterCheck result;
        var start = false;
        lock (_lock)
        {
            entry = Use(owner.Key, now);
            if (Fresh(entry, now))
            {
                result = new RosterCheck(false, entry.Contacts?.Contains(ArchiveStore.Key(contact)));
                // Asked again ahead of expiry, so that an account in use never waits for its roster.
                start = entry.Contacts is not null && !entry.Fetching && _time.GetElapsedTime(entry.At, now) >= RefreshAfter;
            }
            else if (entry.Held.Count >= MaxHeldPerAccount || _held >= MaxHeld)
            {
                result = new RosterCheck(false, null);
                start = !entry.Fetching;
                if (Interlocked.Exchange(ref _overflowWarned, 1) == 0) LogHeldFull(_logger, MaxHeldPerAccount, MaxHeld);
            }
            else
            {
                entry.Held.Add(hold());
                _held++;
                result = new RosterCheck(true, null);
                start = !entry.Fetching;
            }
            if (start) entry.Fetching = true;
        }
        // Not awaited here: the request ends within its timeout, and its task is kept with the entry.
        if (start) entry.Work = RunAsync(entry, outbound, owner.Jid, cancellationToken);
        return result;
    }

    /// <summary>Forgets a deleted account's roster and drops its held copies; waits for held copies being written.</summary>
    public async ValueTask<int> DeleteAccountAsync(Account account, CancellationToken cancellationToken)
    {
        Task writing;
        lock (_lock)
        {
            if (!_entries.Remove(account.Key, out var node)) return 0;
            var entry = node.Value;
            _used.Remove(node);
            _contacts -= entry.Contacts?.Count ?? 0;
            entry.Deleted = true;
            writing = entry.Writing;
        }
        // Held copies already decided are written before the archive deletes the account's messages.
        await writing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return 1;
    }

    public async IAsyncEnumerable<Account> AccountsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        List<string> keys;
        lock (_lock) keys = [.. _entries.Keys];
        foreach (var key in keys)
            if (Account.TryParse(key, out var account)) yield return account;
    }

    private bool Fresh(Entry entry, long now) =>
        entry.Answered && _time.GetElapsedTime(entry.At, now) < (entry.Contacts is null ? FailureTime : CacheTime);

    /// <summary>The entry of <paramref name="key"/>, made most recently used; stale and surplus entries leave.</summary>
    private Entry Use(string key, long now)
    {
        // Unused for a whole cache time: what it knows is stale.
        while (_used.Last is { } last && !last.Value.Fetching && _time.GetElapsedTime(last.Value.LastUse, now) >= CacheTime)
            Remove(last);
        if (_entries.TryGetValue(key, out var node))
        {
            _used.Remove(node);
            _used.AddFirst(node);
        }
        else
        {
            node = _used.AddFirst(new Entry(key));
            _entries[key] = node;
            while (_entries.Count > MaxAccounts && EvictOne(node)) { }
        }
        node.Value.LastUse = now;
        return node.Value;
    }

    /// <summary>Removes the least recently used entry that no request is running for; false when there is none.</summary>
    private bool EvictOne(LinkedListNode<Entry> keep)
    {
        for (var node = _used.Last; node is not null; node = node.Previous)
        {
            if (node == keep || node.Value.Fetching) continue;
            Remove(node);
            return true;
        }
        return false;
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _used.Remove(node);
        _entries.Remove(node.Value.Key);
        _contacts -= node.Value.Contacts?.Count ?? 0;
    }

    /// <summary>Asks the server, keeps the answer (or the failure), then decides and stores the copies held meanwhile.</summary>
    private async Task RunAsync(Entry entry, IOutbound outbound, Jid owner, CancellationToken cancellationToken)
    {
        RosterAnswer answer;
        try
        {
            answer = await _fetch(outbound, owner, cancellationToken);
        }
        catch (TimeoutException)
        {
            answer = new RosterAnswer(null, "no answer");
        }
        catch (OperationCanceledException)
        {
            // The link went away or the component stops: nothing is learnt, and no failure is kept.
            answer = new RosterAnswer(null, null);
        }
        catch (Exception e)
        {
            answer = new RosterAnswer(null, e.GetType().Name);
        }
        if (answer.Failure is { } reason && Interlocked.Exchange(ref _warned, 1) == 0) LogRosterUnknown(_logger, reason);

        List<HeldCopy> held;
        TaskCompletionSource? writing = null;
        lock (_lock)
        {
            entry.Fetching = false;
            var attached = _entries.TryGetValue(entry.Key, out var node) && node.Value == entry;
            if (answer.Contacts is not null || answer.Failure is not null)
            {
                if (attached) _contacts += (answer.Contacts?.Count ?? 0) - (entry.Contacts?.Count ?? 0);
                entry.Contacts = answer.Contacts;
                entry.At = _time.GetTimestamp();
                entry.Answered = true;
            }
            held = entry.Held;
            entry.Held = [];
            _held -= held.Count;
            if (entry.Deleted) held = [];
            if (held.Count > 0)
            {
                writing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                entry.Writing = writing.Task;
            }
            while (_contacts > MaxContacts && attached && EvictOne(node!)) { }
        }
        if (writing is null) return;
        try
        {
            var kept = held.Where(h => h.Keep(answer.Contacts?.Contains(ArchiveStore.Key(h.Entry.With)))).ToList();
            if (kept.Count > 0) await kept[0].Store(kept.Select(h => h.Entry).ToList());
        }
        catch (Exception e)
        {
            // Acknowledged to the bridge already: say what was lost, without any content.
            LogHeldNotStored(_logger, held.Count, e.GetType().Name);
        }
        finally
        {
            writing.SetResult();
        }
    }

    private static async Task<RosterAnswer> FetchAsync(Domains domains, IqTracker iqs, IOutbound outbound, Jid owner, CancellationToken cancellationToken)
    {
        var iq = Stanza.Iq("get", domains.Privacy, owner.Bare.ToString(), "roster-" + Guid.NewGuid().ToString("N")[..12],
            new XElement(Ns.Roster + "query"));
        var answer = await iqs.SendAsync(outbound, iq, AnswerTimeout, cancellationToken);
        if (answer.Type() != "result" || answer.Element(Ns.Roster + "query") is not { } query)
            return new RosterAnswer(null, answer.Element(Ns.Component + "error")?.Elements().FirstOrDefault()?.Name.LocalName ?? "no roster");
        var contacts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in query.Elements(Ns.Roster + "item"))
            if (Jid.TryParse((string?)item.Attribute("jid"), out var jid) && (string?)item.Attribute("subscription") != "remove")
                contacts.Add(ArchiveStore.Key(jid));
        return new RosterAnswer(contacts, null);
    }

    private sealed class Entry(string key)
    {
        public string Key { get; } = key;
        /// <summary>The contacts' keys; null when the last request failed (or none was answered yet).</summary>
        public HashSet<string>? Contacts { get; set; }
        public bool Answered { get; set; }
        public long At { get; set; }
        public long LastUse { get; set; }
        public bool Fetching { get; set; }
        public bool Deleted { get; set; }
        public List<HeldCopy> Held { get; set; } = [];
        public Task Work { get; set; } = Task.CompletedTask;
        public Task Writing { get; set; } = Task.CompletedTask;
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning,
        Message = "The server did not give a roster ({Reason}); the roster archiving policy archives nothing until it does. Grant the roster permission (XEP-0356) to the privacy domain")]
    private static partial void LogRosterUnknown(ILogger logger, string reason);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning,
        Message = "More copies wait for a roster than allowed ({PerAccount} per account, {Total} in all); those beyond are not archived")]
    private static partial void LogHeldFull(ILogger logger, int perAccount, int total);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "{Count} message copies that waited for a roster could not be stored ({ExceptionType})")]
    private static partial void LogHeldNotStored(ILogger logger, int count, string exceptionType);
}

/// <summary>A roster from the server (the contacts' keys), or why there is none.</summary>
public sealed record RosterAnswer(HashSet<string>? Contacts, string? Failure);

/// <summary>What <see cref="RosterLookup.Check"/> knows: held for later, or whether the contact is in the roster (null: unknown).</summary>
public readonly record struct RosterCheck(bool Held, bool? InRoster);

/// <summary>
/// A copy waiting for its owner's roster: whether it is kept once the roster is known (null: unknown), and
/// how the kept ones are stored (one transaction for all copies held for that answer).
/// </summary>
public sealed record HeldCopy(ArchiveEntry Entry, Func<bool?, bool> Keep, Func<IReadOnlyList<ArchiveEntry>, Task> Store);
