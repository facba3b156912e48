using XmppPrivacy.Services.Notices;

namespace XmppPrivacy.Tests.Services.Notices;

public sealed class RegistrationBurstTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Up_to_the_threshold_each_registration_gets_its_own_notice()
    {
        var burst = new RegistrationBurst(5, TimeSpan.FromSeconds(60));
        for (var i = 0; i < 5; i++) Assert.True(burst.Register($"user{i}", "example.org", T0.AddSeconds(i)));
        Assert.Null(burst.TakeDue(T0.AddMinutes(5)));
    }

    [Fact]
    public void A_thousand_registrations_in_a_minute_are_five_notices_and_one_alert()
    {
        var burst = new RegistrationBurst(5, TimeSpan.FromSeconds(60));
        var individual = 0;
        for (var i = 0; i < 1000; i++)
            if (burst.Register($"bot{i}", "example.org", T0.AddMilliseconds(i * 50))) individual++;

        Assert.Equal(5, individual);
        Assert.Null(burst.TakeDue(T0.AddSeconds(59)));
        var alert = burst.TakeDue(T0.AddSeconds(61));
        Assert.NotNull(alert);
        Assert.Equal(995, alert.Count);
        Assert.Contains(alert.Flagged, f => f.Why == "numbered sequence");
        var text = alert.Text(5, TimeSpan.FromSeconds(60));
        Assert.Contains("995 more registrations", text);
        Assert.Contains("and 965 more", text);
        Assert.Null(burst.TakeDue(T0.AddSeconds(62)));
    }

    [Fact]
    public void After_a_quiet_window_notices_are_individual_again()
    {
        var burst = new RegistrationBurst(2, TimeSpan.FromSeconds(10));
        Assert.True(burst.Register("a", "h", T0));
        Assert.True(burst.Register("b", "h", T0.AddSeconds(1)));
        Assert.False(burst.Register("c", "h", T0.AddSeconds(2)));
        Assert.NotNull(burst.TakeDue(T0.AddSeconds(12)));

        Assert.True(burst.Register("d", "h", T0.AddSeconds(30)));
    }

    [Theory]
    [InlineData("xk7q9zr2mw4t", "random-looking")]
    [InlineData("alice", null)]
    [InlineData("christopher", null)]
    public void Names_that_look_machine_made_are_flagged(string name, string? why) =>
        Assert.Equal(why, NameHeuristics.Flag(name, [name]));

    [Fact]
    public void A_numbered_sequence_is_flagged_only_with_its_siblings()
    {
        Assert.Equal("numbered sequence", NameHeuristics.Flag("spam12", ["spam11", "spam12", "spam13"]));
        Assert.Null(NameHeuristics.Flag("alice2", ["alice2", "bob"]));
    }
}
