using XmppPrivacy.Streams;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Streams;

/// <summary>The XEP-0114 opening of a session, against a scripted server (wire-notes.md, "XEP-0114 handshake").</summary>
public sealed class ComponentSessionHandshakeTests
{
    // printf '%s' 'c5588699-a6f7-4fb7-bc63-6e8c399f0b6bs3cret' | sha1sum
    private const string KnownDigest = "39c5800865b7f6e900f743e33c8532a8bf96c500";

    private const string Ping =
        "<iq type='get' id='ping1' from='localhost' to='privacy.localhost'><ping xmlns='urn:xmpp:ping'/></iq>";

    [Fact]
    public void Handshake_digest_is_the_lowercase_hex_SHA_1_of_the_stream_id_and_the_secret()
    {
        Assert.Equal(KnownDigest, ComponentSession.HandshakeDigest(FakeServer.StreamId, SessionHarness.Secret));
    }

    [Fact]
    public async Task The_component_opens_with_its_header_then_sends_the_digest()
    {
        await using var h = new SessionHarness();

        var header = await h.Server.ReadHeaderAsync();
        await h.Server.SendAsync(FakeServer.Header());
        var handshake = await h.Server.ExpectAsync();

        Assert.Equal(SessionHarness.Domain, header.To);
        Assert.Equal(Ns.Component.NamespaceName, header.DefaultNamespace);
        Assert.Null(header.Id);
        Assert.Equal(Ns.Component + "handshake", handshake.Name);
        Assert.Equal(KnownDigest, handshake.Value);
        Assert.Equal(0, h.Authenticated);
    }

    [Fact]
    public async Task An_empty_handshake_element_authenticates_the_session()
    {
        await using var h = new SessionHarness();

        await h.Server.AcceptAsync();
        await h.Server.SendAsync(Ping);
        var result = await h.Server.ExpectAsync();

        Assert.Equal("result", result.Type());
        Assert.Equal(1, h.Authenticated);
        Assert.Empty(h.Log.Errors);
    }

    [Fact]
    public async Task Handshake_answer_in_the_same_write_as_the_next_stanza_is_not_lost()
    {
        await using var h = new SessionHarness();
        await h.Server.ReceiveHandshakeAsync();

        await h.Server.SendAsync("<handshake/>" + Ping);
        var result = await h.Server.ExpectAsync();

        Assert.Equal("ping1", result.Id());
        Assert.Equal("result", result.Type());
        Assert.Equal(1, h.Authenticated);
    }

    [Fact]
    public async Task Wrong_secret_is_an_authentication_failure()
    {
        await using var h = new SessionHarness();
        await h.Server.ReceiveHandshakeAsync();

        await h.Server.SendAsync(FakeServer.StreamError("not-authorized", "Given token does not match calculated token"));
        var failure = await Assert.ThrowsAsync<HandshakeFailedException>(() => h.Run.WaitAsync(FakeServer.Patience));

        Assert.Equal("not-authorized", failure.Condition);
        Assert.True(failure.IsAuthentication);
        Assert.Equal(0, h.Authenticated);
        Assert.Null(await h.Server.ReadAsync()); // the component closed its stream
    }

    [Fact]
    public async Task Wrong_secret_without_a_text_as_ejabberd_sends_it_is_an_authentication_failure()
    {
        await using var h = new SessionHarness();
        await h.Server.ReceiveHandshakeAsync();

        await h.Server.SendAsync(FakeServer.StreamError("not-authorized"));
        var failure = await Assert.ThrowsAsync<HandshakeFailedException>(() => h.Run.WaitAsync(FakeServer.Patience));

        Assert.True(failure.IsAuthentication);
    }

    [Theory]
    [InlineData("conflict")]
    [InlineData("host-unknown")]
    [InlineData("system-shutdown")]
    public async Task A_refused_handshake_fails_with_the_servers_condition(string condition)
    {
        await using var h = new SessionHarness();
        await h.Server.ReceiveHandshakeAsync();

        await h.Server.SendAsync(FakeServer.StreamError(condition, "Component already connected"));
        var failure = await Assert.ThrowsAsync<HandshakeFailedException>(() => h.Run.WaitAsync(FakeServer.Patience));

        Assert.Equal(condition, failure.Condition);
        Assert.False(failure.IsAuthentication);
        Assert.Equal(0, h.Authenticated);
    }

    [Theory]
    [InlineData("<success xmlns='urn:example:junk'/>")]
    [InlineData("<iq type='get' id='early' from='localhost' to='privacy.localhost'><ping xmlns='urn:xmpp:ping'/></iq>")]
    [InlineData("<stream:features/>")]
    public async Task Handshake_answered_with_another_element_is_an_unexpected_answer(string answer)
    {
        await using var h = new SessionHarness();
        await h.Server.ReceiveHandshakeAsync();

        await h.Server.SendAsync(answer);
        var failure = await Assert.ThrowsAsync<HandshakeFailedException>(() => h.Run.WaitAsync(FakeServer.Patience));

        Assert.Equal("unexpected-answer", failure.Condition);
        Assert.Equal(0, h.Authenticated);
    }

    [Fact]
    public async Task Handshake_answered_with_text_junk_ends_with_a_not_well_formed_stream_error()
    {
        await using var h = new SessionHarness();
        await h.Server.ReceiveHandshakeAsync();

        await h.Server.SendAsync("HTTP/1.1 400 Bad Request\r\n\r\n<html/>");
        var failure = await Assert.ThrowsAsync<StreamErrorException>(() => h.Run.WaitAsync(FakeServer.Patience));
        var error = await h.Server.ExpectAsync();

        Assert.Equal("not-well-formed", failure.Condition);
        Assert.Equal(Ns.Streams + "error", error.Name);
        Assert.NotNull(error.Element(Ns.StreamErrors + "not-well-formed"));
        Assert.Equal(0, h.Authenticated);
    }

    [Fact]
    public async Task Stream_header_without_an_id_fails_before_any_digest_is_sent()
    {
        await using var h = new SessionHarness();
        await h.Server.ReadHeaderAsync();

        await h.Server.SendAsync(FakeServer.Header(id: null));
        var failure = await Assert.ThrowsAsync<HandshakeFailedException>(() => h.Run.WaitAsync(FakeServer.Patience));

        Assert.Equal("no-stream-id", failure.Condition);
        Assert.False(failure.IsAuthentication);
        Assert.Null(await h.Server.ReadAsync()); // no handshake, only the end of our stream
    }

    [Fact]
    public async Task Connection_closed_during_the_handshake_is_a_closed_failure()
    {
        await using var h = new SessionHarness();
        await h.Server.ReceiveHandshakeAsync();

        h.Server.Close();
        var failure = await Assert.ThrowsAsync<HandshakeFailedException>(() => h.Run.WaitAsync(FakeServer.Patience));

        Assert.Equal("closed", failure.Condition);
    }

    [Fact]
    public async Task Server_closing_its_stream_during_the_handshake_is_a_closed_failure()
    {
        await using var h = new SessionHarness();
        await h.Server.ReceiveHandshakeAsync();

        await h.Server.SendAsync("</stream:stream>");
        var failure = await Assert.ThrowsAsync<HandshakeFailedException>(() => h.Run.WaitAsync(FakeServer.Patience));

        Assert.Equal("closed", failure.Condition);
    }

    [Fact]
    public async Task A_server_that_never_answers_the_handshake_times_out()
    {
        await using var h = new SessionHarness(new ComponentSessionOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(200) });
        await h.Server.ReceiveHandshakeAsync();

        var failure = await Assert.ThrowsAsync<HandshakeFailedException>(() => h.Run.WaitAsync(FakeServer.Patience));

        Assert.Equal("timeout", failure.Condition);
        Assert.Equal(0, h.Authenticated);
    }
}
