using System.Xml.Linq;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Archive;

public sealed class ArchiveRepliesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 10, 0, 0, 5, TimeSpan.Zero);

    [Fact]
    public void A_result_forwards_the_message_with_its_original_time()
    {
        var message = new XElement(Ns.Client + "message", new XAttribute("to", "alice@example.org"), new XElement(Ns.Client + "body", "hi"));
        var archived = new ArchivedMessage("ID1", At, "bob@example.org", ArchiveDirection.In, message.ToString(SaveOptions.DisableFormatting));

        var result = ArchiveReplies.Result("q1", archived);

        Assert.Equal(("q1", "ID1"), ((string?)result.Attribute("queryid"), (string?)result.Attribute("id")));
        var forwarded = result.Element(ArchiveNs.Forward + "forwarded")!;
        Assert.Equal("2026-11-23T10:00:00.005Z", (string?)forwarded.Element(ArchiveNs.Delay + "delay")?.Attribute("stamp"));
        Assert.Equal("hi", forwarded.Element(Ns.Client + "message")?.Element(Ns.Client + "body")?.Value);
    }

    [Fact]
    public void A_result_without_queryid_has_no_queryid_attribute()
    {
        var archived = new ArchivedMessage("ID1", At, "bob@example.org", ArchiveDirection.Out, "<message xmlns='jabber:client'/>");

        Assert.Null(ArchiveReplies.Result(null, archived).Attribute("queryid"));
    }

    [Fact]
    public void Fin_says_complete_only_when_it_is_and_carries_the_rsm_set()
    {
        var done = ArchiveReplies.Fin(new ArchivePage([], "A", "B", true, 7));
        var more = ArchiveReplies.Fin(new ArchivePage([], null, null, false, 0));

        Assert.Equal("true", (string?)done.Attribute("complete"));
        var set = done.Element(ArchiveNs.Rsm + "set")!;
        Assert.Equal(("A", "B", "7"), (set.Element(ArchiveNs.Rsm + "first")?.Value, set.Element(ArchiveNs.Rsm + "last")?.Value, set.Element(ArchiveNs.Rsm + "count")?.Value));
        Assert.Null(more.Attribute("complete"));
        Assert.Equal([ArchiveNs.Rsm + "count"], more.Element(ArchiveNs.Rsm + "set")!.Elements().Select(e => e.Name));
    }

    [Fact]
    public void The_query_form_lists_every_supported_field_and_parses_back()
    {
        var form = ArchiveReplies.Form();
        var fields = form.Descendants(ArchiveNs.DataForms + "field").Select(f => (string?)f.Attribute("var")).ToList();

        Assert.Equal(["FORM_TYPE", "with", "start", "end", "before-id", "after-id", "ids"], fields);
        form.Element(ArchiveNs.DataForms + "x")!.SetAttributeValue("type", "submit");
        Assert.Null(ArchiveQueryParser.Parse(form, new ArchiveOptions()).Error);
    }
}
