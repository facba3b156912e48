using System.Xml.Linq;
using XmppPrivacy.Xmpp;
using static XmppPrivacy.Tests.Support.Wire;

namespace XmppPrivacy.Tests.Streams;

/// <summary>Prefix tricks (hostile-inputs.md): stanzas are identified by namespace URI and local name, never by prefix.</summary>
public sealed class XmlStanzaReaderNamespaceTests
{
    [Fact]
    public async Task A_stanza_whose_prefix_is_bound_to_jabber_client_is_a_stanza()
    {
        var stanzas = await ReadAllAsync(Stream("<c:message xmlns:c='jabber:client' to='privacy.localhost'><c:body>hi</c:body></c:message></stream:stream>"));

        var message = Assert.Single(stanzas);
        Assert.Equal(Ns.Component + "message", message.Name);
        Assert.Equal("hi", message.Element(Ns.Component + "body")?.Value);
    }

    [Fact]
    public async Task A_stanza_whose_prefix_is_the_stream_prefix_rebound_to_jabber_server_is_a_stanza()
    {
        var stanzas = await ReadAllAsync(Stream("<stream:iq xmlns:stream='jabber:server' type='get' id='1'/></stream:stream>"));

        Assert.Equal(Ns.Component + "iq", Assert.Single(stanzas).Name);
    }

    [Fact]
    public async Task A_stanza_in_jabber_server_is_normalised_and_foreign_children_keep_their_namespace()
    {
        var stanzas = await ReadAllAsync(Stream(
            "<message xmlns='jabber:server' from='localhost' to='privacy.localhost'><body>hi</body>" +
            "<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:server'><body>inner</body></message></forwarded>" +
            "<x xmlns='urn:example:x'><body/></x></message></stream:stream>"));

        var message = Assert.Single(stanzas);
        Assert.Equal(Ns.Component + "message", message.Name);
        Assert.Equal(Ns.Component + "body", message.Elements().First().Name);
        XNamespace forward = "urn:xmpp:forward:0";
        var inner = message.Element(forward + "forwarded")!.Elements().Single();
        Assert.Equal(Ns.Server + "message", inner.Name);
        Assert.Equal(Ns.Server + "body", inner.Elements().Single().Name);
        Assert.Equal((XNamespace)"urn:example:x" + "body", message.Element((XNamespace)"urn:example:x" + "x")!.Elements().Single().Name);
    }

    [Fact]
    public async Task A_prefix_rebound_inside_a_stanza_follows_the_innermost_binding()
    {
        var stanzas = await ReadAllAsync(Stream(
            "<message xmlns:a='urn:one'><a:x><a:y xmlns:a='urn:two'><a:z/></a:y><a:w/></a:x></message></stream:stream>"));

        var x = Assert.Single(stanzas).Elements().Single();
        Assert.Equal((XNamespace)"urn:one" + "x", x.Name);
        Assert.Equal(["urn:two", "urn:one"], x.Elements().Select(e => e.Name.NamespaceName));
        Assert.Equal((XNamespace)"urn:two" + "z", x.Elements().First().Elements().Single().Name);
    }

    [Fact]
    public async Task A_message_in_the_streams_namespace_is_not_a_message()
    {
        var stanzas = await ReadAllAsync(Stream("<stream:message to='privacy.localhost'><body>hi</body></stream:message></stream:stream>"));

        var element = Assert.Single(stanzas);
        Assert.Equal(Ns.Streams + "message", element.Name);
        Assert.NotEqual(Ns.Component, element.Name.Namespace);
    }

    [Fact]
    public async Task A_message_in_an_unknown_default_namespace_keeps_it()
    {
        var stanzas = await ReadAllAsync(Stream("<message xmlns='urn:evil'><body/></message></stream:stream>"));

        Assert.Equal((XNamespace)"urn:evil" + "message", Assert.Single(stanzas).Name);
    }
}
