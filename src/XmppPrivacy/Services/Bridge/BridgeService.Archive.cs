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
            .Where(j => j.Local is not null && string.Equals(j.Domain, serverDomain, StringComparison.OrdinalIgnoreCase))
            .Select(j => new XElement(Ns.Bridge + "user", new XAttribute("name", j.Local!), new XAttribute("archive", "true")));
        await QueryAsync(outbound, new XElement(Ns.Bridge + "archiving", new XAttribute("replace", "true"),
            new XAttribute("default", archive.Options.DefaultPolicy == ArchivePolicy.Never ? "false" : "true"), users), cancellationToken, "set");
    }

    private async ValueTask<IqReply> OnMessageCopyAsync(IqRequest request, CancellationToken cancellationToken)
    {
        if (Refused(request) is { } refused) return refused;
        var copy = request.Payload;
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
        var owner = Jid.Parse(account);
        var prefs = await archive.GetPrefsAsync(owner, cancellationToken);
        var inRoster = prefs.NeedsRoster(with.Bare) ? await roster.ContainsAsync(request.Outbound, owner, with.Bare, cancellationToken) : null;
        if (!prefs.Archives(with.Bare, inRoster))
        {
            Accepted("message-copy-not-kept");
            return IqReply.Empty; // opt-in: nothing is written
        }
        // Claims on the owner's archive inside the message (stanza-id, archived) are never stored; the archive id is the result's.
        ArchiveClaims.Strip(message[0], owner);
        await archive.AppendAsync(owner, with.Bare, direction.Value, At(copy), message[0], id, cancellationToken);
        Accepted("message-copy");
        return IqReply.Empty;
    }
}
