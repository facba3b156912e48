using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// Removes what a sender may forge to make a message look archived by us (XEP-0359 §5.1): every
/// <c>&lt;stanza-id/&gt;</c> and legacy <c>&lt;archived/&gt;</c> (urn:xmpp:mam:tmp) whose <c>by</c> is the owner's
/// archive or any entity of our own domains (the server's accounts, our components), and those without a valid
/// <c>by</c>. Only the server makes such claims, and a stored message needs none: its archive id is the result's.
/// Stanza-ids of other archives (a MUC elsewhere, another server's) stay.
/// </summary>
public static class ArchiveClaims
{
    private static readonly XNamespace Legacy = "urn:xmpp:mam:tmp";

    /// <summary>
    /// <paramref name="message"/> without claims on <paramref name="owner"/>'s archive or on <paramref name="ourDomains"/>:
    /// a copy when something was removed, the message itself otherwise.
    /// </summary>
    public static XElement Strip(XElement message, Jid owner, IReadOnlyCollection<string>? ourDomains = null)
    {
        var key = ArchiveStore.Key(owner);
        var domains = ourDomains ?? [];
        if (!message.Elements().Any(e => IsClaim(e, key, domains))) return message;
        var copy = new XElement(message);
        copy.Elements().Where(e => IsClaim(e, key, domains)).Remove();
        return copy;
    }

    private static bool IsClaim(XElement element, string owner, IReadOnlyCollection<string> domains)
    {
        if (element.Name != ArchiveNs.StanzaId + "stanza-id" && element.Name != Legacy + "archived") return false;
        if (!Jid.TryParse((string?)element.Attribute("by"), out var by)) return true;
        return ArchiveStore.Key(by) == owner || domains.Contains(by.Domain, StringComparer.OrdinalIgnoreCase);
    }
}
