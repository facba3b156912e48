using System.Xml.Linq;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Archive;

/// <summary>
/// The archive queries the clients of the client matrix (docs/clients.md) send: profanity's and slixmpp's copied
/// from their debug logs (profanity's log, slixmpp's --debug), poezio's from its code (poezio/mam.py builds it
/// through slixmpp's plugin, with an <c>end</c> field cut to the second and <c>max</c> twice the window's height).
/// Each is read as the client means it; none is refused.
/// </summary>
public sealed class ClientQueryShapesTests
{
    private const string FormType = "<field type='hidden' var='FORM_TYPE'><value>urn:xmpp:mam:2</value></field>";

    private static ArchiveQuery Parse(string xml)
    {
        var outcome = ArchiveQueryParser.Parse(XElement.Parse(xml), new ArchiveOptions());
        Assert.Null(outcome.Error);
        return outcome.Value!;
    }

    [Fact]
    public void Profanitys_query_on_opening_a_chat_window_filters_by_contact_and_start_without_a_queryid_or_paging()
    {
        var query = Parse("<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'>" + FormType
            + "<field var='with'><value>bob@localhost</value></field><field var='start'><value>2026-11-25T19:39:29Z</value></field></x></query>");

        Assert.Null(query.QueryId);
        Assert.Equal(Jid.Parse("bob@localhost"), query.With);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 19, 39, 29, TimeSpan.Zero), query.Start);
        Assert.Equal((new ArchiveOptions().MaxPageSize, (string?)null, (string?)null), (query.Max, query.After, query.Before));
        Assert.False(query.Backward);
    }

    [Fact]
    public void Profanitys_next_page_with_a_bare_after_in_the_query_continues_after_that_message()
    {
        var query = Parse("<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'>" + FormType
            + "<field var='with'><value>bob@localhost</value></field><field var='start'><value>2026-11-25T19:39:33Z</value></field></x>"
            + "<after>H981o52-L0wjaUqgLijHZ9KmoXjCfDzyPYfE</after></query>");

        Assert.Equal("H981o52-L0wjaUqgLijHZ9KmoXjCfDzyPYfE", query.After);
        Assert.Equal(Jid.Parse("bob@localhost"), query.With);
        Assert.False(query.Backward);
    }

    [Fact]
    public void Slixmpps_backward_first_page_asks_for_the_last_messages_with_a_contact()
    {
        var query = Parse("<query xmlns='urn:xmpp:mam:2' queryid='a3f'><x xmlns='jabber:x:data' type='submit'>"
            + "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field><field var='with'><value>matrixpeer200604@localhost</value></field></x>"
            + "<set xmlns='http://jabber.org/protocol/rsm'><max>2</max><before /></set></query>");

        Assert.Equal(("a3f", 2, ""), (query.QueryId, query.Max, query.Before));
        Assert.Equal(Jid.Parse("matrixpeer200604@localhost"), query.With);
        Assert.True(query.Backward);
    }

    [Fact]
    public void Slixmpps_backward_next_page_asks_for_the_messages_before_the_first_one_it_has()
    {
        var query = Parse("<query xmlns='urn:xmpp:mam:2' queryid='a40'><x xmlns='jabber:x:data' type='submit'>"
            + "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field><field var='with'><value>matrixpeer200604@localhost</value></field></x>"
            + "<set xmlns='http://jabber.org/protocol/rsm'><max>2</max><before>81Oh6fO3RpGzu9uSiEBk_HUNCm17tCmHBLeQ</before></set></query>");

        Assert.Equal("81Oh6fO3RpGzu9uSiEBk_HUNCm17tCmHBLeQ", query.Before);
        Assert.True(query.Backward);
    }

    [Fact]
    public void Slixmpps_forward_next_page_asks_for_the_messages_after_the_last_one_it_has()
    {
        var query = Parse("<query xmlns='urn:xmpp:mam:2' queryid='a41'><x xmlns='jabber:x:data' type='submit'>"
            + "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field><field var='with'><value>matrixpeer200604@localhost</value></field></x>"
            + "<set xmlns='http://jabber.org/protocol/rsm'><max>70</max><after>zG2SxO3-yAyY8Oyc63bU2FOqiyiFjbAQ12wd</after></set></query>");

        Assert.Equal((50, "zG2SxO3-yAyY8Oyc63bU2FOqiyiFjbAQ12wd"), (query.Max, query.After));
        Assert.False(query.Backward);
    }

    [Fact]
    public void Poezios_query_on_opening_a_tab_ends_at_a_whole_second_and_pages_backwards()
    {
        var query = Parse("<query xmlns='urn:xmpp:mam:2' queryid='b7c'><x xmlns='jabber:x:data' type='submit'>"
            + "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field><field var='with'><value>bob@localhost</value></field>"
            + "<field var='end'><value>2026-12-02T20:01:42Z</value></field></x>"
            + "<set xmlns='http://jabber.org/protocol/rsm'><max>76</max><before /></set></query>");

        Assert.Equal(new DateTimeOffset(2026, 12, 2, 20, 1, 42, TimeSpan.Zero), query.End);
        Assert.Null(query.Start);
        Assert.Equal((50, ""), (query.Max, query.Before));
        Assert.True(query.Backward);
    }
}
