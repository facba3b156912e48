using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Xmpp;

/// <summary>XEP-0004 forms as written and as read, on fixtures shaped like the XEP's examples.</summary>
public sealed class DataFormTests
{
    private const string Ns0004 = "jabber:x:data";

    private static XElement Submitted(string fields) => XElement.Parse($"<x xmlns='{Ns0004}' type='submit'>{fields}</x>");

    [Fact]
    public void A_form_is_written_with_title_instructions_and_fields_in_schema_order()
    {
        var form = DataForm.Form("Bot Configuration", "Fill out this form to configure your new bot!",
            FormField.Hidden("FORM_TYPE", "jabber:bot"),
            FormField.TextSingle("botname", "The name of your bot", required: true),
            FormField.ListSingle("security", "Security", "c2s", [new FormOption("c2s", "Clients"), new FormOption("s2s")]),
            FormField.Boolean("public", "Public bot?", true),
            FormField.Fixed("Section 2"));

        var x = form.ToElement();

        Assert.Equal(XName.Get("x", Ns0004), x.Name);
        Assert.Equal("form", (string?)x.Attribute("type"));
        Assert.Equal(["title", "instructions", "field", "field", "field", "field", "field"], x.Elements().Select(e => e.Name.LocalName));
        var botname = x.Elements().ElementAt(3);
        Assert.Equal(["required"], botname.Elements().Select(e => e.Name.LocalName));
        var security = x.Elements().ElementAt(4);
        Assert.Equal(["value", "option", "option"], security.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("Clients", (string?)security.Elements().ElementAt(1).Attribute("label"));
        Assert.Equal("1", x.Elements().ElementAt(5).Element(XName.Get("value", Ns0004))?.Value);
        Assert.Null(x.Elements().Last().Attribute("var"));
        Assert.Equal("jabber:bot", form.FormType);
    }

    [Fact]
    public void A_result_table_is_written_as_reported_columns_and_items()
    {
        var x = DataForm.Table("Search Results", [FormField.Column("jid", "JID", "jid-single")],
            [[FormField.Value("jid", "a@example.org")], [FormField.Value("jid", "b@example.org")]]).ToElement();

        Assert.Equal(["title", "reported", "item", "item"], x.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(["a@example.org", "b@example.org"], x.Elements(XName.Get("item", Ns0004)).Select(i => i.Value));
    }

    [Fact]
    public void A_submission_is_read_into_trimmed_values_by_var_without_its_form_type()
    {
        var read = DataFormReader.Read(Submitted(
            "<field var='FORM_TYPE'><value>jabber:bot</value></field><field var='botname'><value> Botty </value></field><field var='features'><value>news</value><value>search</value></field><field var='empty'/>"),
            "jabber:bot", 4);

        Assert.Null(read.Error);
        Assert.Equal(["botname", "features", "empty"], read.Value!.Keys);
        Assert.Equal(["Botty"], read.Value["botname"]);
        Assert.Equal(["news", "search"], read.Value["features"]);
        Assert.Empty(read.Value["empty"]);
    }

    [Theory]
    [InlineData("form", "<field var='a'/>")]
    [InlineData("submit", "<field><value>x</value></field>")]
    [InlineData("submit", "<field var='a'/><field var='a'/>")]
    [InlineData("submit", "<field var='a'><value>1</value><value>2</value><value>3</value></field>")]
    [InlineData("submit", "<field var='a'><value><b/></value></field>")]
    [InlineData("submit", "<field var='FORM_TYPE'><value>urn:other</value></field>")]
    public void A_submission_no_client_sends_is_bad_request(string type, string fields)
    {
        var read = DataFormReader.Read(XElement.Parse($"<x xmlns='{Ns0004}' type='{type}'>{fields}</x>"), "jabber:bot", 2);

        Assert.Equal("bad-request", read.Error?.Condition);
    }

    [Fact]
    public void Too_many_fields_or_too_long_a_value_is_bad_request()
    {
        var many = string.Concat(Enumerable.Range(0, DataFormReader.MaxFields + 1).Select(i => $"<field var='f{i}'/>"));
        var longValue = $"<field var='a'><value>{new string('x', DataFormReader.MaxValueLength + 1)}</value></field>";

        Assert.Equal("bad-request", DataFormReader.Read(Submitted(many), null, 1).Error?.Condition);
        Assert.Equal("bad-request", DataFormReader.Read(Submitted(longValue), null, 1).Error?.Condition);
    }

    [Fact]
    public void A_submission_of_a_declared_form_needs_every_required_field_with_a_value()
    {
        var declared = DataForm.Form(null, null, FormField.TextSingle("days", "Days", "180", required: true), FormField.TextSingle("note"));

        Assert.Null(DataFormReader.ReadAnswer(Submitted("<field var='days'><value>30</value></field>"), declared, 1).Error);
        Assert.Equal("bad-request", DataFormReader.ReadAnswer(Submitted("<field var='note'><value>x</value></field>"), declared, 1).Error?.Condition);
        Assert.Equal("bad-request", DataFormReader.ReadAnswer(Submitted("<field var='days'><value> </value></field>"), declared, 1).Error?.Condition);
    }
}
