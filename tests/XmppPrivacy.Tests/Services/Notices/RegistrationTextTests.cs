using XmppPrivacy.Services.Notices;

namespace XmppPrivacy.Tests.Services.Notices;

public sealed class RegistrationTextTests
{
    [Fact]
    public void The_notice_always_says_loopback() =>
        Assert.Equal("User alice just registered on example.org from 127.0.0.1", RegistrationText.Notice("alice", "example.org"));

    [Theory]
    [InlineData("eve\u202Egnp.exe", "evegnp.exe")]
    [InlineData("a\u200Bb\u2066c\u2069", "abc")]
    [InlineData("line\nbreak\r\tand\u0007bell", "linebreakandbell")]
    [InlineData("\u2028sep\u2029", "sep")]
    [InlineData("", "(unnamed)")]
    [InlineData("\u202E", "(unnamed)")]
    public void Control_format_and_bidi_characters_are_removed(string name, string shown) =>
        Assert.Equal(shown, RegistrationText.SafeName(name));

    [Fact]
    public void Long_names_are_cut_at_64_characters()
    {
        var shown = RegistrationText.SafeName(new string('x', 10_000));
        Assert.Equal(new string('x', 64) + "…", shown);
    }

    [Fact]
    public void Names_are_cut_between_characters_not_inside_a_surrogate_pair()
    {
        var shown = RegistrationText.SafeName(string.Concat(Enumerable.Repeat("😀", 70)));
        Assert.Equal(string.Concat(Enumerable.Repeat("😀", 64)) + "…", shown);
    }

    [Theory]
    [InlineData("User bob just registered on localhost from 127.0.0.2", "bob", "localhost")]
    [InlineData("User bob just registered on localhost from ::1", "bob", "localhost")]
    [InlineData("[2026-11-22 11:25:13] The account bob@localhost was registered from IP address 127.0.0.2 on node 'ejabberd@localhost' using mod_register.", "bob", "localhost")]
    [InlineData("[2026-11-22 11:25:13] The account bob@localhost was registered from IP address hidden_by_ejabberd on node 'ejabberd@localhost' using mod_register.", "bob", "localhost")]
    public void Watcher_notices_of_Prosody_and_ejabberd_give_user_and_host_but_never_the_address(string body, string user, string host)
    {
        var parsed = RegistrationText.ParseWatcherNotice(body);
        Assert.Equal((user, host), parsed);
        Assert.DoesNotContain("127.0.0.2", parsed!.Value.User + parsed.Value.Host);
    }

    [Theory]
    [InlineData("hello admin")]
    [InlineData("User bob just registered on localhost")]
    [InlineData("User b o b just registered on localhost from 1.2.3.4")]
    [InlineData("")]
    public void Other_bodies_are_not_notices(string body) => Assert.Null(RegistrationText.ParseWatcherNotice(body));
}
