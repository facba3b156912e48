using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Routing;

/// <summary>
/// What disco#info (XEP-0030) says of an entity or node: identities in the order declared, features sorted
/// (each once), then XEP-0128 extended forms. The one renderer of every disco#info we send, for the
/// domains (built from declarations) and for the entities a service owns.
/// </summary>
public sealed record DiscoInfo(IReadOnlyList<Identity> Identities, IEnumerable<string> Features)
{
    /// <summary>XEP-0128 extended information: result forms, each with a hidden <c>FORM_TYPE</c>.</summary>
    public IReadOnlyList<DataForm> Forms { get; init; } = [];

    public static DiscoInfo Of(Identity identity, IEnumerable<string> features, params DataForm[] forms) =>
        new([identity], features) { Forms = forms };

    /// <summary>The <c>&lt;query xmlns='http://jabber.org/protocol/disco#info'/&gt;</c> answering for <paramref name="node"/>.</summary>
    public XElement ToQuery(string? node = null) =>
        new(Ns.DiscoInfo + "query",
            node is null ? null : new XAttribute("node", node),
            Identities.Select(i => new XElement(Ns.DiscoInfo + "identity",
                new XAttribute("category", i.Category), new XAttribute("type", i.Type),
                i.Name is null ? null : new XAttribute("name", i.Name))),
            Features.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                .Select(f => new XElement(Ns.DiscoInfo + "feature", new XAttribute("var", f))),
            Forms.Select(f => f.ToElement()));

    /// <summary>Refuses an extended form that disco cannot carry: not a result, or without <c>FORM_TYPE</c>.</summary>
    internal static void CheckExtendedForm(DataForm form)
    {
        if (form.Type != "result" || form.FormType is null)
            throw new ArgumentException("An extended disco form (XEP-0128) is a result form with a hidden FORM_TYPE.", nameof(form));
    }
}

/// <summary>One disco#items entry (XEP-0030 §4).</summary>
public sealed record DiscoItem(Jid Jid, string? Node = null, string? Name = null)
{
    public XElement ToElement() =>
        new(Ns.DiscoItems + "item", new XAttribute("jid", Jid.ToString()),
            Node is null ? null : new XAttribute("node", Node),
            Name is null ? null : new XAttribute("name", Name));
}
