using System.Linq.Expressions;
using System.Reflection;
using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Streams;

/// <summary>
/// Gives the reader the <see cref="XName"/> of each element and attribute without letting a peer grow the
/// process for ever. System.Xml.Linq keeps every name it ever made for as long as its namespace lives
/// (namespaces are held weakly, but each keeps a strong table of its names), and the namespaces that matter
/// — no namespace, the stanza namespace, every namespace a static field of ours names — live as long as the
/// process. So a name that already exists is used as it is, each connection may add a bounded number of
/// new ones, and beyond that a new name is made in a private namespace object with the same URI, which is
/// collected with the stanza. Such a name serialises exactly like the shared one, so payloads (an archived
/// message) are kept as they came; only code comparing it with a name of its own would not match, and code
/// only compares with names it made itself, which exist already.
/// </summary>
internal sealed class StanzaNames(int newNames = StanzaNames.NewNamesPerConnection)
{
    /// <summary>New shared names one connection may add to the process.</summary>
    public const int NewNamesPerConnection = 4096;

    // The stanza vocabulary (RFC 6120, 6121) and the names guarantees depend on (archive claims, XEP-0359) are
    // shared from the start: code that makes a name only when it first needs it would not match a private name
    // made before, and for these one miss would matter (a claim not stripped). Any other name of ours exists
    // from its first use on; a peer that spent its allowance before that use delays the first match only.
    private static readonly XName[] Vocabulary =
    [
        .. new[] { Ns.Component, Ns.Client, Ns.Server }.SelectMany(ns =>
            new[] { "message", "presence", "iq", "body", "subject", "thread", "show", "status", "priority", "error" }.Select(n => ns + n)),
        .. new[] { "to", "from", "id", "type", "by", "xmlns", "var", "node", "jid", "name", "code", "parent", "version" }.Select(n => XNamespace.None + n),
        XNamespace.Get("urn:xmpp:sid:0") + "stanza-id", XNamespace.Get("urn:xmpp:sid:0") + "origin-id",
        XNamespace.Get("urn:xmpp:mam:tmp") + "archived", XNamespace.Xml + "lang",
    ];

    // Makes the vocabulary exist before the first reader (precise type initialisation, not on first field use).
    static StanzaNames()
    {
    }

    private int _newNames = newNames;
    private readonly Dictionary<string, XNamespace> _private = new(StringComparer.Ordinal);

    /// <summary>The names shared from the start, whatever a peer sends first.</summary>
    public static IReadOnlyList<XName> Shared => Vocabulary;

    /// <summary>Whether this runtime lets us look up names without creating them (checked by a test).</summary>
    public static bool Bounded => Lookup.Existing is not null && Lookup.Private is not null;

    public XName Get(XNamespace ns, string localName)
    {
        if (!Bounded) return ns.GetName(localName);
        if (Lookup.Existing!(ns, localName) is { } existing) return existing;
        if (_newNames > 0)
        {
            _newNames--;
            return ns.GetName(localName);
        }
        if (!_private.TryGetValue(ns.NamespaceName, out var own))
            _private.Add(ns.NamespaceName, own = Lookup.Private!(ns.NamespaceName));
        return own.GetName(localName);
    }

    /// <summary>Called between stanzas: private namespaces are never shared with the next stanza.</summary>
    public void NextStanza()
    {
        if (_private.Count > 0) _private.Clear();
    }

    /// <summary>
    /// The two internals of System.Xml.Linq this needs, bound once: the name table of a namespace (looked up
    /// without adding) and the constructor of a namespace object outside the process-wide table. Either is
    /// null when the runtime does not have it; names are then made the ordinary way.
    /// </summary>
    private static class Lookup
    {
        public static readonly Func<XNamespace, string, XName?>? Existing = BindExisting();
        public static readonly Func<string, XNamespace>? Private = BindPrivate();

        private static Func<XNamespace, string, XName?>? BindExisting()
        {
            var names = typeof(XNamespace).GetField("_names", BindingFlags.NonPublic | BindingFlags.Instance);
            var tryGet = names?.FieldType.GetMethod("TryGetValue", BindingFlags.Public | BindingFlags.Instance,
                [typeof(string), typeof(int), typeof(int), typeof(XName).MakeByRefType()]);
            if (names is null || tryGet is null || tryGet.ReturnType != typeof(bool)) return null;
            var ns = Expression.Parameter(typeof(XNamespace), "ns");
            var localName = Expression.Parameter(typeof(string), "localName");
            var found = Expression.Variable(typeof(XName), "found");
            var body = Expression.Block(typeof(XName), [found],
                Expression.Condition(
                    Expression.Call(Expression.Field(ns, names), tryGet, localName, Expression.Constant(0),
                        Expression.Property(localName, nameof(string.Length)), found),
                    found, Expression.Constant(null, typeof(XName))));
            return Expression.Lambda<Func<XNamespace, string, XName?>>(body, ns, localName).Compile();
        }

        private static Func<string, XNamespace>? BindPrivate()
        {
            var constructor = typeof(XNamespace).GetConstructor(BindingFlags.NonPublic | BindingFlags.Instance, [typeof(string)]);
            if (constructor is null) return null;
            var name = Expression.Parameter(typeof(string), "name");
            return Expression.Lambda<Func<string, XNamespace>>(Expression.New(constructor, name), name).Compile();
        }
    }
}
