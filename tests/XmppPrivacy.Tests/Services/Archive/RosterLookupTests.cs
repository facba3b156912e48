using XmppPrivacy.Services.Accounts;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Streams;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Archive;

public sealed class RosterLookupTests
{
    private static readonly Jid Alice = Jid.Parse("alice@localhost");
    private static readonly Jid Bob = Jid.Parse("Bob@example.net");
    private static readonly Jid Carol = Jid.Parse("carol@example.net");

    private readonly IqTracker _tracker = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly TestLog _log = new();

    private RosterLookup Build() => new(new XmppPrivacy.Hosting.Domains("localhost", "privacy.localhost"), _tracker, _time, _log.For<RosterLookup>());

    private static XElement Roster(XElement request, params string[] items) =>
        Stanza.ResultFor(request, new XElement(Ns.Roster + "query",
            items.Select(i => new XElement(Ns.Roster + "item", new XAttribute("jid", i), new XAttribute("subscription", "both")))));

    [Fact]
    public async Task The_roster_is_asked_of_the_server_once_and_answers_membership_by_bare_jid()
    {
        var outbound = new AnsweringOutbound(_tracker, request => Roster(request, "bob@example.net", "dave@example.org"));
        var lookup = Build();

        var bob = await lookup.ContainsAsync(outbound, Alice, Jid.Parse("bob@example.net/laptop"), CancellationToken.None);
        var carol = await lookup.ContainsAsync(outbound, Alice, Carol, CancellationToken.None);
        var bobAgain = await lookup.ContainsAsync(outbound, Alice, Bob, CancellationToken.None);

        Assert.True(bob);
        Assert.False(carol);
        Assert.True(bobAgain);
        var asked = Assert.Single(outbound.Sent);
        Assert.Equal("get", asked.Type());
        Assert.Equal("privacy.localhost", asked.FromText());
        Assert.Equal("alice@localhost", asked.ToText());
        Assert.NotNull(asked.Element(Ns.Roster + "query"));
    }

    [Fact]
    public async Task A_change_of_the_roster_counts_once_the_cache_time_has_passed()
    {
        var rosters = new Queue<string[]>([["bob@example.net"], ["carol@example.net"]]);
        var outbound = new AnsweringOutbound(_tracker, request => Roster(request, rosters.Dequeue()));
        var lookup = Build();

        Assert.False(await lookup.ContainsAsync(outbound, Alice, Carol, CancellationToken.None));
        _time.Advance(RosterLookup.CacheTime - TimeSpan.FromSeconds(1));
        Assert.False(await lookup.ContainsAsync(outbound, Alice, Carol, CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await lookup.ContainsAsync(outbound, Alice, Carol, CancellationToken.None));
        Assert.Equal(2, outbound.Sent.Count);
    }

    [Fact]
    public async Task A_refusal_leaves_the_roster_unknown_with_one_warning_and_it_is_asked_again_next_time()
    {
        var outbound = new AnsweringOutbound(_tracker, request => Stanza.ErrorFor(request, StanzaError.Forbidden("no permission")));
        var lookup = Build();

        Assert.Null(await lookup.ContainsAsync(outbound, Alice, Bob, CancellationToken.None));
        Assert.Null(await lookup.ContainsAsync(outbound, Alice, Bob, CancellationToken.None));

        Assert.Equal(2, outbound.Sent.Count);
        var warning = Assert.Single(_log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("forbidden", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_the_account_forgets_its_roster()
    {
        var outbound = new AnsweringOutbound(_tracker, request => Roster(request, "bob@example.net"));
        var lookup = Build();
        await lookup.ContainsAsync(outbound, Alice, Bob, CancellationToken.None);

        Assert.Equal(["alice@localhost"], (await lookup.AccountsAsync(CancellationToken.None).ToListAsync()).Select(a => a.Key));
        Assert.Equal(1, await lookup.DeleteAccountAsync(Account.Parse("alice@localhost"), CancellationToken.None));
        Assert.Empty((await lookup.AccountsAsync(CancellationToken.None).ToListAsync()).Select(a => a.Key));
        await lookup.ContainsAsync(outbound, Alice, Bob, CancellationToken.None);
        Assert.Equal(2, outbound.Sent.Count);
    }

    [Theory]
    [InlineData("roster", "", "", true)]
    [InlineData("roster", "bob@example.net", "", false)]
    [InlineData("roster", "", "bob@example.net", false)]
    [InlineData("always", "", "", false)]
    [InlineData("never", "", "", false)]
    public void Only_the_roster_default_without_a_list_naming_the_party_needs_the_roster(string policy, string always, string never, bool needs)
    {
        ArchiveOptions.TryParsePolicy(policy, out var parsed);
        var prefs = new ArchivePrefs(parsed, always.Length == 0 ? [] : [always], never.Length == 0 ? [] : [never]);

        Assert.Equal(needs, prefs.NeedsRoster(Bob));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(null, false)]
    public void The_roster_default_archives_contacts_in_the_roster_only_and_nothing_when_it_is_unknown(bool? inRoster, bool archived)
    {
        var prefs = new ArchivePrefs(ArchivePolicy.Roster, [], []);

        Assert.Equal(archived, prefs.Archives(Bob, inRoster));
    }

    /// <summary>Records what is sent and answers each IQ as the server would, through the tracker.</summary>
    private sealed class AnsweringOutbound(IqTracker tracker, Func<XElement, XElement> answer) : IOutbound
    {
        private readonly List<XElement> _sent = [];

        public string Domain => "privacy.localhost";

        public IReadOnlyList<XElement> Sent => _sent;

        public ValueTask<bool> SendAsync(XElement stanza, CancellationToken cancellationToken = default)
        {
            _sent.Add(stanza);
            tracker.TryComplete(Domain, answer(stanza));
            return ValueTask.FromResult(true);
        }
    }
}
