using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// Removes what a sender may forge to make a message look archived by us (XEP-0359 §5.1): every
/// <c>&lt;stanza-id/&gt;</c> whose <c>by</c> is the owner's archive and every legacy <c>&lt;archived/&gt;</c>
/// (urn:xmpp:mam:tmp) claiming it. Stanza-ids of other archives (a MUC's, another server's) stay.
/// </summary>
public static class ArchiveClaims
{
    private static readonly XNamespace Legacy = "urn:xmpp:mam:tmp";

    /// <summary>A copy of <paramref name="message"/> without claims on <paramref name="owner"/>'s archive.</summary>
    public static XElement Strip(XElement message, Jid owner)
    {
        var copy = new XElement(message);
        var key = ArchiveStore.Key(owner);
        copy.Elements()
            .Where(e => (e.Name == ArchiveNs.StanzaId + "stanza-id" || e.Name == Legacy + "archived") && Claims(e, key))
            .Remove();
        return copy;
    }

    private static bool Claims(XElement element, string owner) =>
        !Jid.TryParse((string?)element.Attribute("by"), out var by) || ArchiveStore.Key(by) == owner;
}
