using System.Xml.Linq;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Archive;

public sealed class ArchiveQueryParserTests
{
    private static readonly ArchiveOptions Options = new();

    private static Outcome<ArchiveQuery> Parse(string inner, string attributes = "queryid='q1'") =>
        ArchiveQueryParser.Parse(XElement.Parse($"<query xmlns='urn:xmpp:mam:2' {attributes}>{inner}</query>"), Options);

    private static string Form(params (string Var, string[] Values)[] fields) =>
        "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>"
        + string.Concat(fields.Select(f => $"<field var='{f.Var}'>{string.Concat(f.Values.Select(v => $"<value>{v}</value>"))}</field>"))
        + "</x>";

    private static string Set(string inner) => $"<set xmlns='http://jabber.org/protocol/rsm'>{inner}</set>";

    private static ArchiveQuery Ok(Outcome<ArchiveQuery> outcome)
    {
        Assert.Null(outcome.Error);
        return outcome.Value!;
    }

    private static void BadRequest(Outcome<ArchiveQuery> outcome)
    {
        Assert.Null(outcome.Value);
        Assert.Equal("bad-request", outcome.Error?.Condition);
        Assert.Equal("modify", outcome.Error?.Type);
        Assert.False(string.IsNullOrWhiteSpace(outcome.Error?.Text));
        Assert.True(outcome.Error!.Text!.Length < 200);
    }

    [Fact]
    public void An_empty_query_asks_for_the_first_page_of_the_default_size()
    {
        var query = Ok(Parse(""));

        Assert.Equal(new ArchiveQuery { QueryId = "q1", Max = 50 }, query);
        Assert.False(query.Backward);
    }

    [Fact]
    public void The_example_query_of_XEP_0313_with_every_filter_is_read()
    {
        var query = Ok(Parse(Form(("with", ["juliet@capulet.lit"]), ("start", ["2010-06-07T00:00:00Z"]),
            ("end", ["2010-07-07T13:23:54.5+02:00"]), ("after-id", ["09af3-cc343-b409f"]), ("before-id", ["zzz"]),
            ("ids", ["a", "b", "a"])) + Set("<max>10</max><after>09af3</after>") + "<flip-page/>"));

        Assert.Equal(Jid.Parse("juliet@capulet.lit"), query.With);
        Assert.Equal(new DateTimeOffset(2010, 6, 7, 0, 0, 0, TimeSpan.Zero), query.Start);
        Assert.Equal(new DateTimeOffset(2010, 7, 7, 11, 23, 54, 500, TimeSpan.Zero), query.End);
        Assert.Equal(("09af3-cc343-b409f", "zzz"), (query.AfterId, query.BeforeId));
        Assert.Equal(["a", "b"], query.Ids!);
        Assert.Equal((10, "09af3", (string?)null), (query.Max, query.After, query.Before));
        Assert.True(query.FlipPage);
    }

    [Fact]
    public void A_full_jid_in_with_is_compared_as_its_bare_jid()
    {
        Assert.Equal(Jid.Parse("juliet@capulet.lit"), Ok(Parse(Form(("with", ["juliet@capulet.lit/balcony"])))).With);
    }

    [Fact]
    public void An_empty_before_asks_for_the_last_page()
    {
        var query = Ok(Parse(Set("<max>20</max><before/>")));

        Assert.Equal("", query.Before);
        Assert.True(query.Backward);
    }

    [Fact]
    public void A_form_without_FORM_TYPE_and_empty_values_is_accepted()
    {
        var query = Ok(Parse("<x xmlns='jabber:x:data' type='submit'><field var='with'><value/></field><field var='start'/></x>"));

        Assert.Null(query.With);
        Assert.Null(query.Start);
    }

    [Theory]
    [InlineData("100000", 50)]
    [InlineData("99999999999999999999999999", 50)]
    [InlineData("50", 50)]
    [InlineData(" 7 ", 7)]
    [InlineData("0", 0)]
    public void Max_is_clamped_to_the_page_cap(string max, int expected)
    {
        Assert.Equal(expected, Ok(Parse(Set($"<max>{max}</max>"))).Max);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("")]
    [InlineData("1.5")]
    [InlineData("ten")]
    [InlineData("+5")]
    [InlineData("1e3")]
    public void A_max_that_is_not_a_whole_number_is_bad_request(string max)
    {
        BadRequest(Parse(Set($"<max>{max}</max>")));
    }

    [Theory]
    [InlineData("<max>1</max><max>2</max>")]
    [InlineData("<after/>")]
    [InlineData("<after>a</after><after>b</after>")]
    [InlineData("<count>3</count>")]
    [InlineData("<max><b>1</b></max>")]
    public void A_malformed_result_set_request_is_bad_request(string inner)
    {
        BadRequest(Parse(Set(inner)));
    }

    [Fact]
    public void Paging_by_index_is_not_implemented()
    {
        Assert.Equal("feature-not-implemented", Parse(Set("<index>3</index>")).Error?.Condition);
    }

    [Fact]
    public void A_form_with_a_wrong_FORM_TYPE_is_bad_request()
    {
        BadRequest(Parse("<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:mam:1</value></field></x>"));
    }

    [Fact]
    public void A_form_that_is_not_submitted_is_bad_request()
    {
        BadRequest(Parse("<x xmlns='jabber:x:data' type='form'/>"));
    }

    [Fact]
    public void A_duplicate_var_is_bad_request()
    {
        BadRequest(Parse(Form(("with", ["a@b"]), ("with", ["c@d"]))));
    }

    [Fact]
    public void A_field_without_var_is_bad_request()
    {
        BadRequest(Parse("<x xmlns='jabber:x:data' type='submit'><field><value>x</value></field></x>"));
    }

    [Theory]
    [InlineData("2026-13-45T25:61:61Z")]
    [InlineData("2026-02-30T10:00:00Z")]
    [InlineData("2026-11-23T10:00:00")]
    [InlineData("2026-11-23 10:00:00Z")]
    [InlineData("yesterday")]
    [InlineData("2026-11-23T10:00:60Z")]
    public void A_start_or_end_that_is_not_a_XEP_0082_date_time_is_bad_request(string value)
    {
        BadRequest(Parse(Form(("start", [value]))));
        BadRequest(Parse(Form(("end", [value]))));
    }

    [Fact]
    public void A_query_from_year_0001_to_9999_is_accepted()
    {
        var query = Ok(Parse(Form(("start", ["0001-01-01T00:00:00Z"]), ("end", ["9999-12-31T23:59:59.999Z"]))));

        Assert.Equal(DateTimeOffset.MinValue, query.Start);
        Assert.Equal(9999, query.End!.Value.Year);
    }

    [Fact]
    public void Ten_thousand_fields_are_bad_request()
    {
        var fields = string.Concat(Enumerable.Range(0, 10_000).Select(i => $"<field var='f{i}'><value>{i}</value></field>"));

        BadRequest(Parse($"<x xmlns='jabber:x:data' type='submit'>{fields}</x>"));
    }

    [Fact]
    public void A_one_mebibyte_value_is_bad_request()
    {
        BadRequest(Parse(Form(("with", [new string('a', 1 << 20) + "@example.org"]))));
        BadRequest(Parse(Form(("before-id", [new string('a', 1 << 20)]))));
    }

    [Theory]
    [InlineData("a@b@c")]
    [InlineData("@example.org")]
    [InlineData("alice@")]
    [InlineData("alice@example.org/")]
    [InlineData("al ice@example.org")]
    public void A_with_that_is_not_a_jid_is_bad_request(string with)
    {
        BadRequest(Parse(Form(("with", [with]))));
    }

    [Fact]
    public void Ten_thousand_ids_are_bad_request()
    {
        BadRequest(Parse(Form(("ids", Enumerable.Range(0, 10_000).Select(i => $"id{i}").ToArray()))));
    }

    [Fact]
    public void Exactly_the_id_cap_is_accepted()
    {
        Assert.Equal(100, Ok(Parse(Form(("ids", Enumerable.Range(0, 100).Select(i => $"id{i}").ToArray())))).Ids!.Count);
    }

    [Fact]
    public void A_field_this_archive_does_not_know_is_bad_request()
    {
        BadRequest(Parse(Form(("owner", ["bob@example.org"]))));
        BadRequest(Parse(Form(("{urn:example}archive", ["bob@example.org"]))));
    }

    [Fact]
    public void Two_values_for_a_single_value_field_are_bad_request()
    {
        BadRequest(Parse(Form(("with", ["a@example.org", "b@example.org"]))));
    }

    [Theory]
    [InlineData("<x xmlns='jabber:x:data' type='submit'/><x xmlns='jabber:x:data' type='submit'/>")]
    [InlineData("<set xmlns='http://jabber.org/protocol/rsm'/><set xmlns='http://jabber.org/protocol/rsm'/>")]
    public void Repeated_children_of_the_query_are_bad_request(string inner)
    {
        BadRequest(Parse(inner));
    }

    [Fact]
    public void A_bare_after_in_the_query_pages_like_the_result_sets_after_as_profanity_means_it()
    {
        var query = Parse("<after xmlns='urn:xmpp:mam:2'>some-id</after>");

        Assert.Null(query.Error);
        Assert.Equal("some-id", query.Value!.After);
        Assert.Equal("other-id", Parse("<after xmlns='urn:xmpp:mam:2'>some-id</after><set xmlns='http://jabber.org/protocol/rsm'><after>other-id</after></set>").Value!.After);
        BadRequest(Parse("<after xmlns='urn:xmpp:mam:2'></after>"));
    }

    [Theory]
    [InlineData("<owner xmlns='urn:xmpp:mam:2'>bob@example.org</owner>")]
    [InlineData("<before xmlns='urn:example:other'/>")]
    public void Unknown_children_of_the_query_are_ignored_as_mod_mam_ignores_them(string inner)
    {
        var plain = Parse("");
        var withExtra = Parse(inner);

        Assert.Null(withExtra.Error);
        Assert.Equal(plain.Value, withExtra.Value);
    }

    [Fact]
    public void A_query_with_a_node_is_item_not_found()
    {
        Assert.Equal("item-not-found", Parse("", "node='urn:xmpp:mucsub:nodes:messages'").Error?.Condition);
    }

    [Fact]
    public void An_oversized_queryid_is_bad_request()
    {
        BadRequest(Parse("", $"queryid='{new string('q', 129)}'"));
    }

    [Fact]
    public void A_query_in_another_namespace_is_bad_request()
    {
        BadRequest(ArchiveQueryParser.Parse(XElement.Parse("<query xmlns='urn:xmpp:mam:1'/>"), Options));
    }

    [Theory]
    [InlineData("2026-11-23T10:00:00Z", "2026-11-23T10:00:00.000Z")]
    [InlineData("2026-11-23T10:00:00.123456789Z", "2026-11-23T10:00:00.123Z")]
    [InlineData("2026-11-23T12:30:00+02:30", "2026-11-23T10:00:00.000Z")]
    [InlineData("2026-11-23T08:00:00.5-02:00", "2026-11-23T10:00:00.500Z")]
    public void Xep_0082_date_times_are_read_in_any_zone_and_written_in_utc(string text, string utc)
    {
        Assert.True(XmppDateTime.TryParse(text, out var value));
        Assert.Equal(utc, XmppDateTime.Format(value));
    }
}
