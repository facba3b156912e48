using System.Reflection;
using System.Runtime.CompilerServices;
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
    public static bool Bounded => Lookup.Available;

    // The name tables of the two namespaces used last (a stanza's own and no namespace, for attributes): reading
    // the field by reflection for every name would cost more than the lookup itself.
    private XNamespace? _lastNamespace, _previousNamespace;
    private object? _lastTable, _previousTable;

    public XName Get(XNamespace ns, string localName)
    {
        if (!Bounded) return ns.GetName(localName);
        if (Lookup.Find(TableOf(ns), localName) is { } existing) return existing;
        if (_newNames > 0)
        {
            _newNames--;
            return ns.GetName(localName);
        }
        if (!_private.TryGetValue(ns.NamespaceName, out var own))
            _private.Add(ns.NamespaceName, own = Lookup.NewNamespace(ns.NamespaceName));
        return own.GetName(localName);
    }

    private object TableOf(XNamespace ns)
    {
        if (ReferenceEquals(ns, _lastNamespace)) return _lastTable!;
        if (!ReferenceEquals(ns, _previousNamespace))
        {
            _previousNamespace = ns;
            _previousTable = Lookup.TableOf(ns);
        }
        (_lastNamespace, _previousNamespace) = (_previousNamespace, _lastNamespace);
        (_lastTable, _previousTable) = (_previousTable, _lastTable);
        return _lastTable!;
    }

    /// <summary>Called between stanzas: private namespaces are never shared with the next stanza.</summary>
    public void NextStanza()
    {
        if (_private.Count > 0) _private.Clear();
    }

    /// <summary>
    /// The two internals of System.Xml.Linq this needs: the name table of a namespace (looked up without adding)
    /// and the constructor of a namespace object outside the process-wide table. They are reached with
    /// <see cref="UnsafeAccessorAttribute"/> and a field read whose name the trimmer sees, so the Native AOT binary
    /// keeps them and gets the same guarantee as the JIT build (a test runs the published binary). When the
    /// runtime does not have them, <see cref="Bounded"/> is false, names are made the ordinary way and the
    /// host logs a warning at start. Use them only when <see cref="Available"/>.
    /// </summary>
    private static class Lookup
    {
        private const string HashtableOfT = "System.Xml.Linq.XHashtable`1[[!0]], System.Private.Xml.Linq";

        // XNamespace._names, an XHashtable<XName>. An unsafe accessor cannot return a field of a type we cannot
        // name, so the field is read through reflection; the literal name keeps it in a trimmed binary.
        private static readonly FieldInfo? Names = typeof(XNamespace).GetField("_names", BindingFlags.NonPublic | BindingFlags.Instance);

        public static readonly bool Available = Probe();

        /// <summary>The name table of a namespace.</summary>
        public static object TableOf(XNamespace ns) => Names!.GetValue(ns)!;

        /// <summary>The name in a namespace's table, without adding it.</summary>
        public static XName? Find(object table, string localName) =>
            Table<XName>.TryGetValue(table, localName, 0, localName.Length, out var found) ? found : null;

        /// <summary>A namespace object outside the process-wide table (its names are collected with it).</summary>
        [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
        public static extern XNamespace NewNamespace(string namespaceName);

        private static class Table<TValue>
        {
            [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "TryGetValue")]
            public static extern bool TryGetValue([UnsafeAccessorType(HashtableOfT)] object table, string key, int index, int count, out TValue value);
        }

        // An accessor whose target is missing throws on its first call: try them once on a namespace of our own.
        private static bool Probe()
        {
            if (Names?.FieldType.Name != "XHashtable`1") return false;
            try
            {
                var ns = NewNamespace("urn:xmpp-privacy:probe");
                var made = ns.GetName("made");
                return ns != XNamespace.Get(ns.NamespaceName) && Find(TableOf(ns), "made") == made && Find(TableOf(ns), "absent") is null;
            }
            catch (Exception e) when (e is MissingMemberException or NotSupportedException or InvalidCastException or BadImageFormatException)
            {
                return false;
            }
        }
    }
}
