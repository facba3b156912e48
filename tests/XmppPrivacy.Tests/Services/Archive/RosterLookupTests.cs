using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Streams;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Archive;

public sealed class RosterLookupTests
{
    private static readonly Account Alice = Account.Parse("alice@localhost");
    private static readonly Jid Bob = Jid.Parse("Bob@example.net");
    private static readonly Jid Carol = Jid.Parse("carol@example.net");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly TestLog _log = new();
    private readonly FakeRosters _server = new();
    private readonly List<ArchiveEntry> _stored = [];
    private int _stores;

    private RosterLookup Build() => new(_server.FetchAsync, _time, _log.For<RosterLookup>());

    /// <summary>A copy from <paramref name="with"/> to alice that the roster policy keeps when the roster has it.</summary>
    private HeldCopy Copy(Jid with, string body = "hi") => new(
        new ArchiveEntry(Alice.Jid, with.Bare, ArchiveDirection.In, _time.GetUtcNow(), new XElement(Ns.Client + "message", new XElement(Ns.Client + "body", body))),
        inRoster => inRoster == true,
        copies =>
        {
            _stores++;
            _stored.AddRange(copies);
            return Task.CompletedTask;
        });

    private static RosterCheck Check(RosterLookup lookup, Account owner, Jid with, Func<HeldCopy> hold) =>
        lookup.Check(null!, owner, with, hold, CancellationToken.None);

    private RosterCheck Check(RosterLookup lookup, Jid with, Account? owner = null) =>
        Check(lookup, owner ?? Alice, with, () => Copy(with));

    [Fact]
    public void The_roster_is_asked_of_the_server_through_the_tracker_and_answers_membership_by_bare_jid()
    {
        var tracker = new IqTracker();
        var outbound = new AnsweringOutbound(tracker, request => Stanza.ResultFor(request, new XElement(Ns.Roster + "query",
            new XElement(Ns.Roster + "item", new XAttribute("jid", "bob@example.net"), new XAttribute("subscription", "both")),
            new XElement(Ns.Roster + "item", new XAttribute("jid", "dave@example.org"), new XAttribute("subscription", "none")))));
        var lookup = new RosterLookup(new XmppPrivacy.Hosting.Domains("localhost", "privacy.localhost"), tracker, _time, _log.For<RosterLookup>());

        var first = lookup.Check(outbound, Alice, Jid.Parse("bob@example.net/laptop"), () => Copy(Bob), CancellationToken.None);
        var carol = lookup.Check(outbound, Alice, Carol, () => Copy(Carol), CancellationToken.None);
        var bob = lookup.Check(outbound, Alice, Bob, () => Copy(Bob), CancellationToken.None);

        Assert.True(first.Held); // answered at once here, and stored then
        Assert.Equal([Bob.Bare], _stored.Select(s => s.With));
        Assert.Equal(new RosterCheck(false, false), carol);
        Assert.Equal(new RosterCheck(false, true), bob);
        var asked = Assert.Single(outbound.Sent);
        Assert.Equal("get", asked.Type());
        Assert.Equal("privacy.localhost", asked.FromText());
        Assert.Equal("alice@localhost", asked.ToText());
        Assert.NotNull(asked.Element(Ns.Roster + "query"));
    }

    [Fact]
    public void A_copy_whose_roster_is_not_known_yet_is_held_and_decided_when_the_answer_comes()
    {
        var lookup = Build();

        Assert.Equal(new RosterCheck(true, null), Check(lookup, Bob));
        Assert.Equal(new RosterCheck(true, null), Check(lookup, Carol));
        Assert.Empty(_stored);
        Assert.Equal(2, lookup.Held);

        _server.Answer(0, "bob@example.net");

        // One transaction for what was held; carol is not in the roster and is not kept.
        Assert.Equal(1, _stores);
        Assert.Equal([Bob.Bare], _stored.Select(s => s.With));
        Assert.Equal(0, lookup.Held);
        Assert.Equal(new RosterCheck(false, false), Check(lookup, Carol));
        Assert.Single(_server.Requests);
    }

    [Fact]
    public void Concurrent_needs_of_one_owner_share_one_request()
    {
        var lookup = Build();
        var bobAccount = Account.Parse("bob@localhost");

        for (var i = 0; i < 10; i++) Assert.True(Check(lookup, Bob).Held);
        Assert.True(Check(lookup, Carol, bobAccount).Held);

        Assert.Equal(["alice@localhost", "bob@localhost"], _server.Requests.Select(r => r.Owner.ToString()));
        _server.Answer(0, "bob@example.net");
        Assert.Equal(10, _stored.Count);
        Assert.Equal(1, _stores);
        Assert.Equal(1, lookup.Held); // bob's own copy still waits for his roster
    }

    [Fact]
    public void A_roster_is_kept_for_the_cache_time_and_asked_again_ahead_of_it_without_holding_anything()
    {
        var lookup = Build();
        Check(lookup, Bob);
        _server.Answer(0, "bob@example.net");

        _time.Advance(RosterLookup.RefreshAfter - TimeSpan.FromSeconds(1));
        Assert.Equal(new RosterCheck(false, false), Check(lookup, Carol));
        Assert.Single(_server.Requests);

        // Old enough: answered from what is known, and asked again in the background.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new RosterCheck(false, false), Check(lookup, Carol));
        Assert.Equal(new RosterCheck(false, true), Check(lookup, Bob));
        Assert.Equal(2, _server.Requests.Count);
        _server.Answer(1, "carol@example.net");
        Assert.Equal(new RosterCheck(false, true), Check(lookup, Carol));
        Assert.Equal(new RosterCheck(false, false), Check(lookup, Bob));

        // Unused for a whole cache time: forgotten, and a copy is held again.
        _time.Advance(RosterLookup.CacheTime);
        Assert.True(Check(lookup, Carol).Held);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public void A_refusal_is_kept_for_five_seconds_so_a_broken_permission_costs_one_request_per_interval()
    {
        var lookup = Build();
        Assert.True(Check(lookup, Bob).Held);
        _server.Refuse(0, "forbidden");
        Assert.Empty(_stored); // unknown: nothing archived

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(new RosterCheck(false, null), Check(lookup, Bob));
            _time.Advance(TimeSpan.FromMilliseconds(49));
        }
        Assert.Single(_server.Requests);

        _time.Advance(RosterLookup.FailureTime - TimeSpan.FromMilliseconds(4900));
        Assert.True(Check(lookup, Bob).Held);
        Assert.Equal(2, _server.Requests.Count);
        _server.Refuse(1, "forbidden");
        var warning = Assert.Single(_log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("forbidden", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_answer_in_time_counts_as_a_failure_and_the_held_copies_are_not_archived()
    {
        var lookup = Build();
        Assert.True(Check(lookup, Bob).Held);

        _server.Requests[0].Answer.SetException(new TimeoutException());

        Assert.Empty(_stored);
        Assert.Equal(0, lookup.Held);
        Assert.Equal(new RosterCheck(false, null), Check(lookup, Bob));
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("no answer", StringComparison.Ordinal));
    }

    [Fact]
    public void When_the_link_goes_away_the_held_copies_are_dropped_and_no_failure_is_kept()
    {
        var lookup = Build();
        Assert.True(Check(lookup, Bob).Held);

        _server.Requests[0].Answer.SetCanceled();

        Assert.Empty(_stored);
        Assert.True(Check(lookup, Bob).Held); // asked again at once on the next link
        Assert.Equal(2, _server.Requests.Count);
        Assert.DoesNotContain(_log.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public void The_cache_keeps_at_most_MaxAccounts_accounts_and_drops_the_least_recently_used()
    {
        var lookup = Build();
        for (var i = 0; i <= RosterLookup.MaxAccounts; i++)
        {
            Check(lookup, Bob, Account.Parse($"user{i}@localhost"));
            _server.Answer(i);
            if (i == 10) Check(lookup, Bob, Account.Parse("user0@localhost")); // user0 was used again since
        }

        Assert.Equal(RosterLookup.MaxAccounts, lookup.Count);
        Assert.False(Check(lookup, Bob, Account.Parse("user0@localhost")).Held);
        Assert.True(Check(lookup, Bob, Account.Parse("user1@localhost")).Held); // forgotten: asked again
    }

    [Fact]
    public void Accounts_unused_for_the_cache_time_are_forgotten()
    {
        var lookup = Build();
        for (var i = 0; i < 50; i++)
        {
            Check(lookup, Bob, Account.Parse($"user{i}@localhost"));
            _server.Answer(i);
        }
        Assert.Equal(50, lookup.Count);

        _time.Advance(RosterLookup.CacheTime);
        Check(lookup, Bob);

        Assert.Equal(1, lookup.Count);
    }

    [Fact]
    public void The_cache_holds_at_most_MaxContacts_contacts_in_all()
    {
        var lookup = Build();
        var big = Enumerable.Range(0, RosterLookup.MaxContacts / 3).Select(i => $"c{i}@example.net").ToArray();
        for (var i = 0; i < 4; i++)
        {
            Check(lookup, Bob, Account.Parse($"user{i}@localhost"));
            _server.Answer(i, big);
        }

        Assert.Equal(3, lookup.Count);
        Assert.True(Check(lookup, Bob, Account.Parse("user0@localhost")).Held);
    }

    [Fact]
    public void Copies_held_beyond_the_bound_are_not_archived_and_that_is_logged_once()
    {
        var lookup = Build();
        for (var i = 0; i < RosterLookup.MaxHeldPerAccount; i++) Assert.True(Check(lookup, Bob).Held);

        Assert.Equal(new RosterCheck(false, null), Check(lookup, Bob));
        Assert.Equal(new RosterCheck(false, null), Check(lookup, Bob));
        _server.Answer(0, "bob@example.net");

        Assert.Equal(RosterLookup.MaxHeldPerAccount, _stored.Count);
        Assert.Single(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("wait for a roster", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deleting_the_account_forgets_its_roster_and_drops_its_held_copies()
    {
        var lookup = Build();
        Check(lookup, Bob);
        _server.Answer(0, "bob@example.net");
        Assert.True(Check(lookup, Bob).InRoster);
        Assert.Equal(["alice@localhost"], (await lookup.AccountsAsync(CancellationToken.None).ToListAsync()).Select(a => a.Key));

        Assert.Equal(1, await lookup.DeleteAccountAsync(Alice, CancellationToken.None));
        Assert.Empty(await lookup.AccountsAsync(CancellationToken.None).ToListAsync());
        Assert.True(Check(lookup, Bob).Held);
        Assert.Equal(1, await lookup.DeleteAccountAsync(Alice, CancellationToken.None));
        _server.Answer(1, "bob@example.net");

        Assert.Single(_stored); // only the copy from before the first deletion
        Assert.Equal(0, lookup.Held);
    }

    [Fact]
    public async Task A_deletion_waits_for_held_copies_being_written()
    {
        var lookup = Build();
        var write = new TaskCompletionSource();
        Check(lookup, Alice, Bob, () => Copy(Bob) with { Store = _ => write.Task });
        _server.Answer(0, "bob@example.net");

        var deletion = lookup.DeleteAccountAsync(Alice, CancellationToken.None).AsTask();
        Assert.False(deletion.IsCompleted);
        write.SetResult();
        Assert.Equal(1, await deletion);
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

    /// <summary>Roster requests the test answers when it wants; continuations run inline, so each answer is handled on return.</summary>
    private sealed class FakeRosters
    {
        public List<(Jid Owner, TaskCompletionSource<RosterAnswer> Answer)> Requests { get; } = [];

        public Task<RosterAnswer> FetchAsync(IOutbound outbound, Jid owner, CancellationToken cancellationToken)
        {
            var answer = new TaskCompletionSource<RosterAnswer>();
            Requests.Add((owner, answer));
            return answer.Task;
        }

        public void Answer(int request, params string[] contacts) =>
            Requests[request].Answer.SetResult(new RosterAnswer(contacts.Select(c => ArchiveStore.Key(Jid.Parse(c))).ToHashSet(StringComparer.Ordinal), null));

        public void Refuse(int request, string condition) => Requests[request].Answer.SetResult(new RosterAnswer(null, condition));
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
