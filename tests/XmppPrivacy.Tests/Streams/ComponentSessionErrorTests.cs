using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Streams;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Streams;

/// <summary>
/// Transcripts of what must not be answered (inbound order is kept, so "never answered" shows as the next
/// answer being the one to a later ping), of failing handlers behind the error boundary, and of the ways a
/// session ends: a hostile stanza, the server closing or erring, and our own stop.
/// </summary>
public sealed class ComponentSessionErrorTests
{
    private static readonly XNamespace Boom = "urn:example:boom";

    [Theory]
    [InlineData("<iq type='error' id='e1' from='localhost' to='privacy.localhost'><query xmlns='jabber:iq:roster'/><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")]
    [InlineData("<iq type='error' id='e2' from='localhost' to='privacy.localhost'/>")]
    [InlineData("<iq type='result' id='r1' from='localhost' to='privacy.localhost'/>")]
    [InlineData("<iq type='result' id='r2' from='localhost' to='privacy.localhost'><query xmlns='urn:example:unknown'/><x xmlns='urn:example:two'/></iq>")]
    [InlineData("<message type='error' id='m1' from='alice@localhost/phone' to='privacy.localhost'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")]
    [InlineData("<presence type='error' from='alice@localhost/phone' to='privacy.localhost'/>")]
    [InlineData("<presence from='alice@localhost/phone' to='privacy.localhost'/>")]
    [InlineData("<message type='groupchat' from='room@rooms.localhost/x' to='privacy.localhost'><body>hi</body></message>")]
    [InlineData("<message type='headline' from='localhost' to='privacy.localhost'><body>hi</body></message>")]
    [InlineData("<message to='privacy.localhost'><body>no from</body></message>")]
    [InlineData("<iq type='get' from='localhost' to='privacy.localhost'><ping xmlns='urn:xmpp:ping'/></iq>")]
    public async Task Stanzas_that_must_not_be_answered_are_not(string stanza)
    {
        await using var h = await SessionHarness.ConnectedAsync();

        await h.Server.SendAsync(stanza);
        var next = await h.AskAsync(SessionHarness.Marker);

        Assert.Equal("marker", next.Id());
        Assert.Equal("result", next.Type());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("chat")]
    [InlineData("normal")]
    public async Task A_message_to_the_component_that_nothing_handles_is_service_unavailable(string? type)
    {
        await using var h = await SessionHarness.ConnectedAsync();
        var typeAttribute = type is null ? "" : $" type='{type}'";

        var answer = await h.AskAsync($"<message{typeAttribute} id='m2' from='alice@localhost/phone' to='privacy.localhost'><body>hello</body></message>");

        Assert.Equal(Ns.Component + "message", answer.Name);
        StanzaAssert.Error(answer, "m2", "cancel", "service-unavailable");
        Assert.Equal("alice@localhost/phone", answer.ToText());
    }

    [Fact]
    public async Task A_failing_handler_is_answered_internal_server_error_without_its_text()
    {
        await using var h = await SessionHarness.ConnectedAsync(new FailingService());

        var answer = await h.AskAsync("<iq type='get' id='b1' from='alice@localhost/phone' to='privacy.localhost'><query xmlns='urn:example:boom'/></iq>");

        StanzaAssert.Error(answer, "b1", "cancel", "internal-server-error");
        Assert.DoesNotContain(FailingService.Secret, answer.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(InvalidOperationException), answer.ToString(), StringComparison.Ordinal);
        var logged = Assert.Single(h.Log.Errors);
        Assert.Contains(nameof(InvalidOperationException), logged.Message, StringComparison.Ordinal);
        Assert.All(h.Log.Entries, e => Assert.DoesNotContain(FailingService.Secret, e.Message, StringComparison.Ordinal));
        Assert.All(h.Log.Entries, e => Assert.Null(e.Exception));
        Assert.Equal("marker", (await h.AskAsync(SessionHarness.Marker)).Id()); // the session lives on
    }

    [Fact]
    public async Task A_failing_message_handler_is_answered_internal_server_error()
    {
        await using var h = await SessionHarness.ConnectedAsync(new FailingService());

        var answer = await h.AskAsync("<message id='b2' from='alice@localhost/phone' to='privacy.localhost'><poke xmlns='urn:example:boom'/></message>");

        StanzaAssert.Error(answer, "b2", "cancel", "internal-server-error");
        Assert.DoesNotContain(FailingService.Secret, answer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_handler_of_a_presence_is_answered_with_a_presence_error()
    {
        await using var h = await SessionHarness.ConnectedAsync(new FailingService());

        var answer = await h.AskAsync("<presence id='b3' from='alice@localhost/phone' to='privacy.localhost'><poke xmlns='urn:example:boom'/></presence>");

        Assert.Equal(Ns.Component + "presence", answer.Name);
        StanzaAssert.Error(answer, "b3", "cancel", "internal-server-error");
    }

    [Theory]
    [InlineData("<presence type='error' from='alice@localhost/phone' to='privacy.localhost'><poke xmlns='urn:example:boom'/></presence>")]
    [InlineData("<message type='error' from='alice@localhost/phone' to='privacy.localhost'><poke xmlns='urn:example:boom'/></message>")]
    public async Task An_error_stanza_is_never_handed_to_a_handler_nor_answered(string stanza)
    {
        await using var h = await SessionHarness.ConnectedAsync(new FailingService());

        await h.Server.SendAsync(stanza);
        var next = await h.AskAsync(SessionHarness.Marker);

        Assert.Equal("marker", next.Id());
        Assert.Empty(h.Log.Errors);
    }

    [Fact]
    public async Task A_comment_in_a_stanza_ends_the_session_with_restricted_xml()
    {
        await using var h = await SessionHarness.ConnectedAsync();

        await h.Server.SendAsync("<message from='alice@localhost/phone' to='privacy.localhost'><!-- hidden --><body>hi</body></message>");
        var failure = await Assert.ThrowsAsync<StreamErrorException>(() => h.Run.WaitAsync(FakeServer.Patience));
        var error = await h.Server.ExpectAsync();

        Assert.Equal("restricted-xml", failure.Condition);
        Assert.False(failure.FromPeer);
        Assert.Equal(Ns.Streams + "error", error.Name);
        Assert.NotNull(error.Element(Ns.StreamErrors + "restricted-xml"));
        Assert.False(string.IsNullOrWhiteSpace(error.Element(Ns.StreamErrors + "text")?.Value));
        Assert.Null(await h.Server.ReadAsync()); // then </stream:stream>
    }

    [Fact]
    public async Task A_message_in_the_streams_namespace_ends_the_session_with_unsupported_stanza_type()
    {
        await using var h = await SessionHarness.ConnectedAsync();

        await h.Server.SendAsync("<stream:message from='alice@localhost/phone' to='privacy.localhost'><body>hi</body></stream:message>");
        var failure = await Assert.ThrowsAsync<StreamErrorException>(() => h.Run.WaitAsync(FakeServer.Patience));
        var error = await h.Server.ExpectAsync();

        Assert.Equal("unsupported-stanza-type", failure.Condition);
        Assert.NotNull(error.Element(Ns.StreamErrors + "unsupported-stanza-type"));
    }

    [Fact]
    public async Task A_stanza_with_its_prefix_bound_to_jabber_client_is_answered()
    {
        await using var h = await SessionHarness.ConnectedAsync();

        var answer = await h.AskAsync("<c:iq xmlns:c='jabber:client' type='get' id='c1' from='localhost' to='privacy.localhost'><ping xmlns='urn:xmpp:ping'/></c:iq>");

        Assert.Equal(Ns.Component + "iq", answer.Name);
        Assert.Equal("result", answer.Type());
    }

    [Fact]
    public async Task Cancelling_the_stop_token_closes_the_stream_and_returns()
    {
        await using var h = await SessionHarness.ConnectedAsync();
        Assert.Equal("marker", (await h.AskAsync(SessionHarness.Marker)).Id());

        await h.StopAsync();
        await h.Run.WaitAsync(FakeServer.Patience);

        Assert.Null(await h.Server.ReadAsync());
        Assert.Empty(h.Log.Errors);
    }

    [Fact]
    public async Task The_server_closing_its_stream_ends_the_session_cleanly()
    {
        await using var h = await SessionHarness.ConnectedAsync();

        await h.Server.SendAsync("</stream:stream>");
        await h.Run.WaitAsync(FakeServer.Patience);

        Assert.Null(await h.Server.ReadAsync());
        Assert.Empty(h.Log.Errors);
    }

    [Fact]
    public async Task A_stream_error_from_the_server_ends_the_session_without_an_error_back()
    {
        await using var h = await SessionHarness.ConnectedAsync();

        await h.Server.SendAsync(FakeServer.StreamError("system-shutdown"));
        var failure = await Assert.ThrowsAsync<StreamErrorException>(() => h.Run.WaitAsync(FakeServer.Patience));

        Assert.Equal("system-shutdown", failure.Condition);
        Assert.True(failure.FromPeer);
        Assert.Null(await h.Server.ReadAsync()); // only </stream:stream>, no stream error of ours
    }

    [Fact]
    public async Task A_bare_tcp_close_after_the_handshake_is_end_of_stream()
    {
        await using var h = await SessionHarness.ConnectedAsync();

        h.Server.Close();

        await Assert.ThrowsAsync<EndOfStreamException>(() => h.Run.WaitAsync(FakeServer.Patience));
    }

    private sealed class FailingService : IComponentService
    {
        public const string Secret = "Password=hunter2;Host=db.internal";

        public IReadOnlyCollection<string>? Domains => null;

        public void Declare(ServiceBuilder service) => service
            .Feature(Boom.NamespaceName)
            .Iq("get", Boom + "query", (_, _) => throw new InvalidOperationException(Secret))
            .Message(Boom + "poke", (_, _) => throw new InvalidOperationException(Secret))
            .Presence(Boom + "poke", (_, _) => throw new InvalidOperationException(Secret));
    }
}
