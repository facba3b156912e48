using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Xmpp;

public sealed class JidTests
{
    [Theory]
    [InlineData("localhost", null, "localhost", null)]
    [InlineData("alice@localhost", "alice", "localhost", null)]
    [InlineData("alice@localhost/phone", "alice", "localhost", "phone")]
    [InlineData("alice@LocalHost./phone/with/slashes", "alice", "localhost", "phone/with/slashes")]
    [InlineData("room@rooms.localhost/nick@with@ats", "room", "rooms.localhost", "nick@with@ats")]
    public void A_jid_is_split_into_its_parts(string text, string? local, string domain, string? resource)
    {
        Assert.True(Jid.TryParse(text, out var jid));
        Assert.Equal(new Jid(local, domain, resource), jid);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("a@b@c")]
    [InlineData("@localhost")]
    [InlineData("alice@")]
    [InlineData("alice@localhost/")]
    [InlineData("/phone")]
    [InlineData("ali ce@localhost")]
    [InlineData("alice@local host")]
    [InlineData("a'b@localhost")]
    [InlineData("a<b@localhost")]
    public void A_malformed_jid_is_refused(string? text)
    {
        Assert.False(Jid.TryParse(text, out _));
        if (text is not null) Assert.Throws<FormatException>(() => Jid.Parse(text));
    }

    [Fact]
    public void A_part_longer_than_1023_bytes_is_refused()
    {
        Assert.False(Jid.TryParse(new string('a', 1024) + "@localhost", out _));
        Assert.True(Jid.TryParse(new string('a', 1023) + "@localhost", out _));
    }

    [Fact]
    public void Bare_and_domain_forms_drop_what_they_should()
    {
        var full = Jid.Parse("alice@localhost/phone");

        Assert.Equal("alice@localhost", full.Bare.ToString());
        Assert.False(full.IsBare);
        Assert.True(full.Bare.IsBare);
        Assert.False(full.Bare.IsDomain);
        Assert.True(Jid.Parse("localhost").IsDomain);
        Assert.Equal("alice@localhost/phone", full.ToString());
    }
}
