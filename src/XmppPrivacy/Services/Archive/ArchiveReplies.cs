using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>The elements of an archive answer (XEP-0313 §4.2): results, fin with RSM, and the query form.</summary>
public static class ArchiveReplies
{
    /// <summary><c>&lt;result queryid id&gt;&lt;forwarded&gt;&lt;delay stamp/&gt;&lt;message/&gt;&lt;/forwarded&gt;&lt;/result&gt;</c>.</summary>
    public static XElement Result(string? queryId, ArchivedMessage message) =>
        new(ArchiveNs.Mam + "result",
            queryId is null ? null : new XAttribute("queryid", queryId),
            new XAttribute("id", message.Id),
            new XElement(ArchiveNs.Forward + "forwarded",
                new XElement(ArchiveNs.Delay + "delay", new XAttribute("stamp", XmppDateTime.Format(message.Timestamp))),
                message.ToElement()));

    /// <summary><c>&lt;fin complete='true'?&gt;&lt;set&gt;&lt;first/&gt;&lt;last/&gt;&lt;count/&gt;&lt;/set&gt;&lt;/fin&gt;</c>.</summary>
    public static XElement Fin(ArchivePage page) =>
        new(ArchiveNs.Mam + "fin",
            page.Complete ? new XAttribute("complete", "true") : null,
            new XElement(ArchiveNs.Rsm + "set",
                page.First is null ? null : new XElement(ArchiveNs.Rsm + "first", page.First),
                page.Last is null ? null : new XElement(ArchiveNs.Rsm + "last", page.Last),
                new XElement(ArchiveNs.Rsm + "count", page.Count)));

    /// <summary>The answer to a query-fields request (an IQ get of an empty query): every supported field.</summary>
    public static XElement Form() =>
        new(ArchiveNs.Mam + "query",
            DataForm.Form(null, null,
                FormField.Hidden("FORM_TYPE", ArchiveNs.Mam.NamespaceName),
                FormField.JidSingle("with"),
                FormField.TextSingle("start"),
                FormField.TextSingle("end"),
                FormField.TextSingle("before-id"),
                FormField.TextSingle("after-id"),
                FormField.TextMulti("ids")).ToElement());
}
