using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Bridge;

/// <summary>
/// The archive side of the bridge: telling it whose messages to copy, and taking the copies. A copy is
/// stored only when its owner's preferences archive messages with that party; otherwise nothing is written.
/// </summary>
public sealed partial class BridgeService
{
    /// <summary>Tells the bridge whether <paramref name="user"/>'s messages are copied from now on.</summary>
    public async Task SetArchivingAsync(string user, bool archive, CancellationToken cancellationToken)
    {
        if (_outbound is not { } outbound || !_state.Present) return; // the next greeting sends the whole list
        await QueryAsync(outbound, new XElement(Ns.Bridge + "archiving",
            new XElement(Ns.Bridge + "user", new XAttribute("name", user), new XAttribute("archive", archive ? "true" : "false"))),
            cancellationToken, "set");
    }

    private async Task SyncArchivingAsync(IOutbound outbound, CancellationToken cancellationToken)
    {
        var optedIn = await archive.OptedInAccountsAsync(cancellationToken);
        var users = optedIn.Select(a => Jid.TryParse(a, out var jid) ? jid : default)
            .Where(domains.IsLocalAccount)
            .Select(j => new XElement(Ns.Bridge + "user", new XAttribute("name", j.Local!), new XAttribute("archive", "true")));
        await QueryAsync(outbound, new XElement(Ns.Bridge + "archiving", new XAttribute("replace", "true"),
            new XAttribute("default", archive.Options.DefaultPolicy == ArchivePolicy.Never ? "false" : "true"), users), cancellationToken, "set");
    }

    private async ValueTask<StanzaError?> MessageCopyAsync(XElement copy, IOutbound outbound, CancellationToken cancellationToken)
    {
        var copies = new List<ArchiveEntry>(2);
        var rejected = await PrepareCopyAsync(copy, outbound, null, copies, cancellationToken);
        await StoreCopiesAsync(copies, cancellationToken);
        return rejected;
    }

    /// <summary>
    /// What a message copy stores, added to <paramref name="entries"/>: an entry for its owner, and with
    /// <c>peer-id</c> one for the local recipient of an outgoing message too (one event for both archives);
    /// nothing for an owner whose preferences do not keep that party, or whose copy waits for the roster and is
    /// stored once it is known. Returns the error for a malformed copy (then nothing is added).
    /// <paramref name="prefs"/> keeps the owners' preferences read for one batch. Never waits for the server.
    /// </summary>
    private async ValueTask<StanzaError?> PrepareCopyAsync(XElement copy, IOutbound outbound,
        Dictionary<string, ArchivePrefs>? prefs, List<ArchiveEntry> entries, CancellationToken cancellationToken)
    {
        var direction = (string?)copy.Attribute("direction") switch
        {
            "in" => ArchiveDirection.In,
            "out" => ArchiveDirection.Out,
            _ => (ArchiveDirection?)null,
        };
        var message = copy.Elements().ToList();
        if (direction is null || Account(copy, "owner") is not { } account || !Jid.TryParse((string?)copy.Attribute("with"), out var with)
            || message.Count != 1 || message[0].Name != Ns.Client + "message"
            || (string?)copy.Attribute("id") is not { } id || !ArchiveStore.IsValidId(id))
            return Rejected("A message copy needs owner, direction, with, a valid id and one jabber:client message.");
        // peer-id: the recipient (with, an account of this server) archives the same message as incoming.
        Accounts.Account? peer = null;
        var peerId = (string?)copy.Attribute("peer-id");
        if (peerId is not null && (direction != ArchiveDirection.Out || !ArchiveStore.IsValidId(peerId) || peerId == id
            || with.Resource is not null || with.Domain != domains.Server || (peer = Account(with.Local)) is null))
            return Rejected("A shared message copy needs direction out, a local account as with and a valid peer-id.");
        var at = At(copy);
        var ownerEntry = await PrepareEntryAsync(account, direction.Value, with.Bare, id, at, message[0], outbound, prefs, cancellationToken);
        var peerEntry = peer is null ? null
            : await PrepareEntryAsync(peer.Value, ArchiveDirection.In, account.Jid, peerId!, at, message[0], outbound, prefs, cancellationToken);
        if (ownerEntry is not null) entries.Add(ownerEntry);
        if (peerEntry is not null) entries.Add(peerEntry);
        return null;
    }

    /// <summary>The entry one owner's archive keeps of a message, or null (not kept, or held for the roster).</summary>
    private async ValueTask<ArchiveEntry?> PrepareEntryAsync(Accounts.Account account, ArchiveDirection direction, Jid with, string id,
        DateTimeOffset at, XElement message, IOutbound outbound, Dictionary<string, ArchivePrefs>? prefs, CancellationToken cancellationToken)
    {
        var owner = account.Jid;
        if (prefs is null || !prefs.TryGetValue(account.Key, out var ownerPrefs))
        {
            ownerPrefs = await archive.GetPrefsAsync(owner, cancellationToken);
            prefs?.Add(account.Key, ownerPrefs);
        }
        // Claims on the owner's archive or our domains inside the message (stanza-id, archived) are never stored,
        // the bridge's own stanza-id included: the archive id is the result's.
        ArchiveEntry Entry() => new(owner, with.Bare, direction, at, ArchiveClaims.Strip(message, owner, [domains.Server, .. domains.Services]), id);
        bool? inRoster = null;
        if (ownerPrefs.NeedsRoster(with.Bare))
        {
            var check = roster.Check(outbound, account, with.Bare, () => new HeldCopy(Entry(), known => Keeps(ownerPrefs, with.Bare, known), StoreHeldAsync),
                cancellationToken);
            if (check.Held) return null; // decided when the roster is known
            inRoster = check.InRoster;
        }
        return Keeps(ownerPrefs, with.Bare, inRoster) ? Entry() : null; // opt-in: nothing is written
    }

    private bool Keeps(ArchivePrefs prefs, Jid with, bool? inRoster)
    {
        if (prefs.Archives(with, inRoster)) return true;
        Accepted("message-copy-not-kept");
        return false;
    }

    /// <summary>Stores copies that waited for their owner's roster (one transaction), after the batch was acknowledged.</summary>
    private async Task StoreHeldAsync(IReadOnlyList<ArchiveEntry> copies)
    {
        // Not tied to the link: the copies were acknowledged, and the write is short.
        await archive.AppendManyAsync(copies, CancellationToken.None);
        foreach (var _ in copies) Accepted("message-copy");
    }

    /// <summary>Stores the copies collected so far in one transaction (durable when it returns) and empties the list.</summary>
    private async Task StoreCopiesAsync(List<ArchiveEntry> copies, CancellationToken cancellationToken)
    {
        if (copies.Count == 0) return;
        await archive.AppendManyAsync(copies, cancellationToken);
        foreach (var _ in copies) Accepted("message-copy");
        copies.Clear();
    }
}
