using System.Xml.Linq;

namespace XmppPrivacy.Xmpp;

/// <summary>The namespaces the component speaks. Stanzas are normalised to <see cref="Component"/>.</summary>
public static class Ns
{
    public static readonly XNamespace Component = "jabber:component:accept";
    public static readonly XNamespace Client = "jabber:client";
    public static readonly XNamespace Server = "jabber:server";
    public static readonly XNamespace Streams = "http://etherx.jabber.org/streams";
    public static readonly XNamespace StreamErrors = "urn:ietf:params:xml:ns:xmpp-streams";
    public static readonly XNamespace Stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
    public static readonly XNamespace DiscoInfo = "http://jabber.org/protocol/disco#info";
    public static readonly XNamespace DiscoItems = "http://jabber.org/protocol/disco#items";
    public static readonly XNamespace Ping = "urn:xmpp:ping";
    public static readonly XNamespace Version = "jabber:iq:version";
    public static readonly XNamespace Bridge = "urn:xmppprivacy:bridge:1";
    public static readonly XNamespace Forward = "urn:xmpp:forward:0";
    public static readonly XNamespace Roster = "jabber:iq:roster";
    /// <summary>XEP-0004 data forms.</summary>
    public static readonly XNamespace DataForms = "jabber:x:data";
    /// <summary>XEP-0050 ad-hoc commands.</summary>
    public static readonly XNamespace Commands = "http://jabber.org/protocol/commands";
    /// <summary>XEP-0355 namespace delegation: version 2 (Prosody's mod_delegation) and 1 (ejabberd 23.01).</summary>
    public static readonly XNamespace Delegation2 = "urn:xmpp:delegation:2";
    public static readonly XNamespace Delegation1 = "urn:xmpp:delegation:1";
    /// <summary>XEP-0356 privileged entity, versions 2 (Prosody) and 1 (ejabberd).</summary>
    public static readonly XNamespace Privilege2 = "urn:xmpp:privilege:2";
    public static readonly XNamespace Privilege1 = "urn:xmpp:privilege:1";
    public static readonly XNamespace Xml = XNamespace.Xml;

    /// <summary>True for the three stanza namespaces a peer may put a top-level stanza in.</summary>
    public static bool IsStanzaNamespace(XNamespace ns) => ns == Component || ns == Client || ns == Server;
}
