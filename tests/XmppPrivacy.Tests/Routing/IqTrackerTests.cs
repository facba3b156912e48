using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Routing;

public sealed class IqTrackerTests
{
    private static readonly XNamespace Bridge = Ns.Bridge;

    private static (IqTracker Tracker, Router Router, RecordingOutbound Outbound) Build()
    {
        var tracker = new IqTracker();
        var router = new Router(["privacy.localhost"], [], tracker, new TestLog().For<Router>());
        return (tracker, router, new RecordingOutbound());
    }

    private static XElement Hello(string id = "h1") => Stanza.Iq("get", "privacy.localhost", "localhost", id, new XElement(Bridge + "hello"));

    [Fact]
    public async Task A_matching_result_completes_the_pending_iq()
    {
        var (tracker, router, outbound) = Build();

        var pending = tracker.SendAsync(outbound, Hello(), FakeServer.Patience, CancellationToken.None);
        var sent = Assert.Single(outbound.Sent);
        await router.RouteAsync(XElement.Parse("<iq xmlns='jabber:component:accept' type='result' id='h1' from='localhost' to='privacy.localhost'><hello xmlns='urn:xmppprivacy:bridge:1' prosody='0.12.3'/></iq>"), outbound, CancellationToken.None);
        var answer = await pending.WaitAsync(FakeServer.Patience);

        Assert.Equal("h1", sent.Id());
        Assert.Equal("0.12.3", (string?)answer.Element(Bridge + "hello")?.Attribute("prosody"));
        Assert.Single(outbound.Sent); // the result itself is not answered
    }

    [Fact]
    public async Task The_read_loop_hands_answers_over_before_queueing_so_a_handler_may_wait_for_one()
    {
        var (tracker, router, outbound) = Build();
        var result = XElement.Parse("<iq xmlns='jabber:component:accept' type='result' id='h2' from='localhost' to='privacy.localhost'/>");
        var stray = XElement.Parse("<iq xmlns='jabber:component:accept' type='result' id='other' from='localhost' to='privacy.localhost'/>");
        var request = XElement.Parse("<iq xmlns='jabber:component:accept' type='get' id='h3' from='localhost' to='privacy.localhost'><ping xmlns='urn:xmpp:ping'/></iq>");

        var pending = tracker.SendAsync(outbound, Hello("h2"), FakeServer.Patience, CancellationToken.None);

        Assert.True(router.TryCompleteReply(result, "upload.localhost"));
        Assert.Same(result, await pending.WaitAsync(FakeServer.Patience));
        Assert.False(router.TryCompleteReply(stray, "privacy.localhost"));
        Assert.False(router.TryCompleteReply(request, "privacy.localhost"));
    }

    [Fact]
    public async Task An_error_answer_completes_the_pending_iq_too()
    {
        var (tracker, router, outbound) = Build();

        var pending = tracker.SendAsync(outbound, Hello(), FakeServer.Patience, CancellationToken.None);
        await router.RouteAsync(XElement.Parse("<iq xmlns='jabber:component:accept' type='error' id='h1' from='localhost' to='privacy.localhost'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"), outbound, CancellationToken.None);

        Assert.Equal("error", (await pending.WaitAsync(FakeServer.Patience)).Type());
    }

    [Fact]
    public async Task A_result_from_another_peer_or_with_another_id_does_not_complete_it()
    {
        var (tracker, router, outbound) = Build();

        var pending = tracker.SendAsync(outbound, Hello(), FakeServer.Patience, CancellationToken.None);
        await router.RouteAsync(XElement.Parse("<iq xmlns='jabber:component:accept' type='result' id='h1' from='mallory@localhost/x' to='privacy.localhost'/>"), outbound, CancellationToken.None);
        await router.RouteAsync(XElement.Parse("<iq xmlns='jabber:component:accept' type='result' id='h2' from='localhost' to='privacy.localhost'/>"), outbound, CancellationToken.None);
        Assert.False(pending.IsCompleted);
        await router.RouteAsync(XElement.Parse("<iq xmlns='jabber:component:accept' type='result' id='h1' from='localhost' to='privacy.localhost'/>"), outbound, CancellationToken.None);

        Assert.Equal("localhost", (await pending.WaitAsync(FakeServer.Patience)).FromText());
    }

    [Fact]
    public async Task A_lost_connection_cancels_the_iqs_pending_on_it()
    {
        var (tracker, router, outbound) = Build();

        var pending = tracker.SendAsync(outbound, Hello(), FakeServer.Patience, CancellationToken.None);
        await router.OnDisconnectedAsync("privacy.localhost");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(FakeServer.Patience));
    }

    [Fact]
    public async Task An_unanswered_iq_times_out()
    {
        var (tracker, _, outbound) = Build();

        await Assert.ThrowsAsync<TimeoutException>(() => tracker.SendAsync(outbound, Hello(), TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }

    [Fact]
    public async Task Two_pending_iqs_with_one_id_to_one_peer_are_refused()
    {
        var (tracker, _, outbound) = Build();

        var first = tracker.SendAsync(outbound, Hello(), FakeServer.Patience, CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => tracker.SendAsync(outbound, Hello(), FakeServer.Patience, CancellationToken.None));
        Assert.False(first.IsCompleted);
        tracker.CancelDomain("privacy.localhost");
    }
}
