using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// A user's archiving preferences (XEP-0441): a default and always/never lists of bare JIDs (stored as
/// <see cref="ArchiveStore.Key"/>). A JID on the never list is never archived; then the always list; then the default.
/// </summary>
public sealed record ArchivePrefs(ArchivePolicy Default, IReadOnlyList<string> Always, IReadOnlyList<string> Never)
{
    /// <summary>Whether a message with <paramref name="with"/> is archived; an unknown roster counts as "not in it".</summary>
    public bool Archives(Jid with, bool? inRoster)
    {
        var key = ArchiveStore.Key(with);
        if (Never.Contains(key, StringComparer.Ordinal)) return false;
        if (Always.Contains(key, StringComparer.Ordinal)) return true;
        return Default switch
        {
            ArchivePolicy.Always => true,
            ArchivePolicy.Roster => inRoster == true,
            _ => false,
        };
    }

    /// <summary>Whether <see cref="Archives"/> needs to know if <paramref name="with"/> is in the owner's roster.</summary>
    public bool NeedsRoster(Jid with)
    {
        if (Default != ArchivePolicy.Roster) return false;
        var key = ArchiveStore.Key(with);
        return !Never.Contains(key, StringComparer.Ordinal) && !Always.Contains(key, StringComparer.Ordinal);
    }

    /// <summary>True when any message at all may be archived (what the bridge needs to know).</summary>
    public bool OptedIn => Default != ArchivePolicy.Never || Always.Count > 0;

    /// <summary><c>&lt;prefs xmlns='urn:xmpp:mam:2' default='...'&gt;&lt;always&gt;&lt;jid/&gt;...&lt;/always&gt;&lt;never/&gt;&lt;/prefs&gt;</c>.</summary>
    public XElement ToElement() => new(ArchiveNs.Mam + "prefs", new XAttribute("default", ArchiveOptions.Name(Default)),
        new XElement(ArchiveNs.Mam + "always", Always.Select(j => new XElement(ArchiveNs.Mam + "jid", j))),
        new XElement(ArchiveNs.Mam + "never", Never.Select(j => new XElement(ArchiveNs.Mam + "jid", j))));

    /// <summary>Reads a prefs set request; a bad default, a bad JID, a JID on both lists or too many JIDs is <c>bad-request</c>.</summary>
    public static Outcome<ArchivePrefs> Parse(XElement prefs, ArchiveOptions options)
    {
        if (prefs.Name != ArchiveNs.Mam + "prefs")
            return StanzaError.BadRequest("Expected prefs in urn:xmpp:mam:2.");
        if (!ArchiveOptions.TryParsePolicy((string?)prefs.Attribute("default"), out var policy))
            return StanzaError.BadRequest("The default must be always, never or roster.");
        var lists = new List<string>[2];
        string[] names = ["always", "never"];
        for (var i = 0; i < 2; i++)
        {
            var containers = prefs.Elements(ArchiveNs.Mam + names[i]).Take(2).ToList();
            if (containers.Count > 1) return StanzaError.BadRequest($"The prefs have more than one <{names[i]}/>.");
            var jids = containers.SelectMany(c => c.Elements(ArchiveNs.Mam + "jid")).Take(options.MaxPrefsJids + 1).ToList();
            if (jids.Count > options.MaxPrefsJids)
                return StanzaError.BadRequest($"Each list of the prefs holds at most {options.MaxPrefsJids} JIDs.");
            lists[i] = [];
            foreach (var jid in jids)
            {
                if (jid.HasElements || !Jid.TryParse(jid.Value.Trim(), out var parsed))
                    return StanzaError.BadRequest($"A JID of the <{names[i]}/> list is not valid.");
                var key = ArchiveStore.Key(parsed);
                if (!lists[i].Contains(key, StringComparer.Ordinal)) lists[i].Add(key);
            }
        }
        if (lists[0].Intersect(lists[1], StringComparer.Ordinal).Any())
            return StanzaError.BadRequest("A JID cannot be on both the always and the never list.");
        return new ArchivePrefs(policy, lists[0], lists[1]);
    }
}
