using System.Xml.Linq;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Archive;

public sealed class ArchivePrefsTests : ArchiveTestStore
{
    private static Outcome<ArchivePrefs> Parse(string xml) =>
        ArchivePrefs.Parse(XElement.Parse(xml), new ArchiveOptions { MaxPrefsJids = 10 });

    [Fact]
    public async Task A_user_without_prefs_gets_the_configured_default_of_never()
    {
        var prefs = await Store.GetPrefsAsync(Alice, CancellationToken.None);

        Assert.Equal(ArchivePolicy.Never, prefs.Default);
        Assert.False(prefs.OptedIn);
        Assert.False(prefs.Archives(Bob, inRoster: true));
    }

    [Fact]
    public async Task Prefs_are_stored_and_replaced_whole()
    {
        await Store.SetPrefsAsync(Alice, new ArchivePrefs(ArchivePolicy.Roster, ["bob@example.org"], ["carol@example.org"]), CancellationToken.None);
        var first = await Store.GetPrefsAsync(Jid.Parse("Alice@Example.org/phone"), CancellationToken.None);
        await Store.SetPrefsAsync(Alice, new ArchivePrefs(ArchivePolicy.Always, [], ["bob@example.org"]), CancellationToken.None);

        var second = await Store.GetPrefsAsync(Alice, CancellationToken.None);

        Assert.Equal((ArchivePolicy.Roster, "bob@example.org", "carol@example.org"), (first.Default, Assert.Single(first.Always), Assert.Single(first.Never)));
        Assert.Equal(ArchivePolicy.Always, second.Default);
        Assert.Empty(second.Always);
        Assert.Equal(["bob@example.org"], second.Never);
    }

    [Fact]
    public async Task Opted_in_accounts_are_those_whose_prefs_may_archive_something()
    {
        await Store.SetPrefsAsync(Alice, new ArchivePrefs(ArchivePolicy.Always, [], []), CancellationToken.None);
        await Store.SetPrefsAsync(Bob, new ArchivePrefs(ArchivePolicy.Never, ["carol@example.org"], []), CancellationToken.None);
        await Store.SetPrefsAsync(Carol, new ArchivePrefs(ArchivePolicy.Never, [], ["alice@example.org"]), CancellationToken.None);

        Assert.Equal(["alice@example.org", "bob@example.org"], await Store.OptedInAccountsAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData(ArchivePolicy.Always, null, true)]
    [InlineData(ArchivePolicy.Never, true, false)]
    [InlineData(ArchivePolicy.Roster, true, true)]
    [InlineData(ArchivePolicy.Roster, false, false)]
    [InlineData(ArchivePolicy.Roster, null, false)]
    public void The_default_decides_for_jids_on_no_list(ArchivePolicy policy, bool? inRoster, bool archived)
    {
        Assert.Equal(archived, new ArchivePrefs(policy, [], []).Archives(Bob, inRoster));
    }

    [Fact]
    public void The_lists_override_the_default_and_never_wins()
    {
        var always = new ArchivePrefs(ArchivePolicy.Never, ["bob@example.org"], []);
        var never = new ArchivePrefs(ArchivePolicy.Always, [], ["bob@example.org"]);

        Assert.True(always.Archives(Jid.Parse("Bob@example.org/laptop"), null));
        Assert.False(never.Archives(Bob, true));
        Assert.True(never.Archives(Carol, null));
    }

    [Fact]
    public void A_prefs_request_of_XEP_0441_is_read_and_written_back()
    {
        var prefs = Parse("""
            <prefs xmlns='urn:xmpp:mam:2' default='roster'>
              <always><jid>romeo@montague.lit</jid></always>
              <never><jid>montague@montague.lit/home</jid></never>
            </prefs>
            """).Value!;

        Assert.Equal(ArchivePolicy.Roster, prefs.Default);
        Assert.Equal(["romeo@montague.lit"], prefs.Always);
        Assert.Equal(["montague@montague.lit"], prefs.Never);
        var xml = prefs.ToElement();
        Assert.Equal("roster", (string?)xml.Attribute("default"));
        Assert.Equal("romeo@montague.lit", xml.Element(ArchiveNs.Mam + "always")?.Element(ArchiveNs.Mam + "jid")?.Value);
    }

    [Theory]
    [InlineData("<prefs xmlns='urn:xmpp:mam:2'/>")]
    [InlineData("<prefs xmlns='urn:xmpp:mam:2' default='sometimes'/>")]
    [InlineData("<prefs xmlns='urn:xmpp:mam:1' default='always'/>")]
    [InlineData("<prefs xmlns='urn:xmpp:mam:2' default='always'><always><jid>a@b@c</jid></always></prefs>")]
    [InlineData("<prefs xmlns='urn:xmpp:mam:2' default='always'><always><jid>a@b.c</jid></always><never><jid>A@B.C</jid></never></prefs>")]
    [InlineData("<prefs xmlns='urn:xmpp:mam:2' default='always'><always/><always/></prefs>")]
    public void A_malformed_prefs_request_is_bad_request(string xml)
    {
        Assert.Equal("bad-request", Parse(xml).Error?.Condition);
    }

    [Fact]
    public void More_jids_than_the_cap_is_bad_request()
    {
        var jids = string.Concat(Enumerable.Range(0, 11).Select(i => $"<jid>u{i}@example.org</jid>"));

        Assert.Equal("bad-request", Parse($"<prefs xmlns='urn:xmpp:mam:2' default='always'><never>{jids}</never></prefs>").Error?.Condition);
    }
}
