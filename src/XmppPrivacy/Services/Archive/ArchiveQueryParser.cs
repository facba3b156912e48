using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// Turns a <c>&lt;query xmlns='urn:xmpp:mam:2'/&gt;</c> into an <see cref="ArchiveQuery"/> or a
/// <c>bad-request</c> with a plain text (XEP-0313 §4, XEP-0004, XEP-0059). Pure: no I/O, no exceptions.
/// </summary>
public static class ArchiveQueryParser
{
    /// <summary>The longest <c>queryid</c> and archive id accepted.</summary>
    public const int MaxIdLength = 128;

    private const int MaxChildren = 8;

    public static Outcome<ArchiveQuery> Parse(XElement query, ArchiveOptions options)
    {
        if (query.Name != ArchiveNs.Mam + "query")
            return StanzaError.BadRequest("Expected a query in urn:xmpp:mam:2.");
        var queryId = (string?)query.Attribute("queryid");
        if (queryId is { Length: 0 or > MaxIdLength })
            return StanzaError.BadRequest($"The queryid must have 1 to {MaxIdLength} characters.");
        if (query.Attribute("node") is not null)
            return StanzaError.ItemNotFound("A user's archive has no nodes.");
        var children = query.Elements().Take(MaxChildren + 1).ToList();
        if (children.Count > MaxChildren)
            return StanzaError.BadRequest("The query has too many elements.");
        var result = new ArchiveQuery { QueryId = queryId, Max = options.MaxPageSize };
        XElement? form = null, set = null, flip = null, bareAfter = null;
        foreach (var child in children)
        {
            ref var slot = ref form;
            if (child.Name == ArchiveNs.DataForms + "x") slot = ref form;
            else if (child.Name == ArchiveNs.Rsm + "set") slot = ref set;
            else if (child.Name == ArchiveNs.Mam + "flip-page") slot = ref flip;
            // profanity 0.13 pages with a bare <after/> in the query instead of in <set/>: read it as the
            // result set's <after/>. mod_mam ignores it and answers the first page again, which profanity
            // then shows twice.
            else if (child.Name == ArchiveNs.Mam + "after") slot = ref bareAfter;
            // Other children are ignored, as mod_mam ignores them: nothing in a query selects the archive,
            // whose owner the server stamped.
            else continue;
            if (slot is not null) return StanzaError.BadRequest($"The query has more than one <{child.Name.LocalName}/>.");
            slot = child;
        }
        if (form is not null)
        {
            var filtered = ApplyForm(result, form, options);
            if (filtered.Failed) return filtered;
            result = filtered.Value!;
        }
        if (set is not null)
        {
            var paged = ApplySet(result, set, options);
            if (paged.Failed) return paged;
            result = paged.Value!;
        }
        if (bareAfter is not null && result.After is null && result.Before is null)
        {
            var text = bareAfter.Value.Trim();
            if (!IsId(text)) return StanzaError.BadRequest($"<after/> holds an id of 1 to {MaxIdLength} characters.");
            result = result with { After = text };
        }
        return result with { FlipPage = flip is not null };
    }

    private static Outcome<ArchiveQuery> ApplyForm(ArchiveQuery query, XElement form, ArchiveOptions options)
    {
        var read = DataFormReader.Read(form, ArchiveNs.Mam.NamespaceName, Math.Max(options.MaxIds, 1));
        if (read.Failed) return read.Error!;
        foreach (var (name, values) in read.Value!)
        {
            if (name == "ids")
            {
                if (values.Count == 0) continue;
                if (values.Count > options.MaxIds)
                    return StanzaError.BadRequest($"A query names at most {options.MaxIds} ids.");
                if (values.Any(v => !IsId(v)))
                    return StanzaError.BadRequest($"Each id has 1 to {MaxIdLength} characters.");
                query = query with { Ids = values.Distinct(StringComparer.Ordinal).ToList() };
                continue;
            }
            if (name is not ("with" or "start" or "end" or "after-id" or "before-id"))
                return StanzaError.BadRequest("The query form has a field this archive does not support.");
            if (values.Count > 1)
                return StanzaError.BadRequest($"The field '{name}' takes one value.");
            var value = values.Count == 0 || values[0].Length == 0 ? null : values[0];
            switch (name)
            {
                case "with":
                    if (value is null) break;
                    if (!Jid.TryParse(value, out var with))
                        return StanzaError.BadRequest("The 'with' field is not a valid JID.");
                    query = query with { With = with.Bare };
                    break;
                case "start" or "end":
                    if (value is null) break;
                    if (!XmppDateTime.TryParse(value, out var at))
                        return StanzaError.BadRequest($"The '{name}' field is not a XEP-0082 date-time such as 2026-11-23T10:00:00Z.");
                    query = name == "start" ? query with { Start = at } : query with { End = at };
                    break;
                case "after-id" or "before-id":
                    if (value is null) break;
                    if (!IsId(value))
                        return StanzaError.BadRequest($"The '{name}' field has 1 to {MaxIdLength} characters.");
                    query = name == "after-id" ? query with { AfterId = value } : query with { BeforeId = value };
                    break;
            }
        }
        return query;
    }

    private static Outcome<ArchiveQuery> ApplySet(ArchiveQuery query, XElement set, ArchiveOptions options)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in set.Elements().Take(MaxChildren + 1))
        {
            if (child.Name.Namespace != ArchiveNs.Rsm || child.Name.LocalName is not ("max" or "after" or "before" or "index"))
                return StanzaError.BadRequest("The result set request takes only max, after and before.");
            if (!seen.Add(child.Name.LocalName))
                return StanzaError.BadRequest($"The result set request has more than one <{child.Name.LocalName}/>.");
            if (child.HasElements)
                return StanzaError.BadRequest($"<{child.Name.LocalName}/> holds text only.");
            var text = child.Value.Trim();
            switch (child.Name.LocalName)
            {
                case "max":
                    if (text.Length == 0 || text.Length > 64 || !text.All(char.IsAsciiDigit))
                        return StanzaError.BadRequest("<max/> must be a whole number of 0 or more.");
                    var max = int.TryParse(text, out var n) ? n : int.MaxValue;
                    query = query with { Max = Math.Min(max, options.MaxPageSize) };
                    break;
                case "after":
                    if (!IsId(text)) return StanzaError.BadRequest($"<after/> holds an id of 1 to {MaxIdLength} characters.");
                    query = query with { After = text };
                    break;
                case "before":
                    if (text.Length > MaxIdLength) return StanzaError.BadRequest($"<before/> holds an id of at most {MaxIdLength} characters.");
                    query = query with { Before = text };
                    break;
                default:
                    return StanzaError.FeatureNotImplemented("Paging by index is not supported; page with after or before.");
            }
        }
        return query;
    }

    private static bool IsId(string value) => value.Length is > 0 and <= MaxIdLength;
}
