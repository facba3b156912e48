using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>The namespaces of the archive and the small specifications it is built from.</summary>
public static class ArchiveNs
{
    /// <summary>XEP-0313 v2: queries, results, fin, prefs (XEP-0441) and metadata.</summary>
    public static readonly XNamespace Mam = "urn:xmpp:mam:2";

    /// <summary>The disco feature advertising the <c>before-id</c>, <c>after-id</c> and <c>ids</c> fields and flip-page.</summary>
    public const string Extended = "urn:xmpp:mam:2#extended";

    public static readonly XNamespace Rsm = "http://jabber.org/protocol/rsm";
    public static readonly XNamespace DataForms = Ns.DataForms;
    public static readonly XNamespace Forward = Ns.Forward;
    public static readonly XNamespace Delay = "urn:xmpp:delay";
    public static readonly XNamespace StanzaId = "urn:xmpp:sid:0";
}
