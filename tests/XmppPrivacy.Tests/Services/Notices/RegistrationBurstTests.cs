using XmppPrivacy.Services.Notices;

namespace XmppPrivacy.Tests.Services.Notices;

public sealed class RegistrationBurstTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Registrations at the given offsets, with the dispatcher's check every second; every message admins get, in order.</summary>
    private static List<(TimeSpan At, string Kind, BurstAlert? Alert)> Run(RegistrationBurst burst, IReadOnlyList<TimeSpan> offsets, TimeSpan until,
        Func<int, string>? name = null)
    {
        var messages = new List<(TimeSpan, string, BurstAlert?)>();
        var next = 0;
        for (var second = TimeSpan.Zero; second <= until; second += TimeSpan.FromSeconds(1))
        {
            for (; next < offsets.Count && offsets[next] < second + TimeSpan.FromSeconds(1); next++)
            {
                var decision = burst.Register(name?.Invoke(next) ?? $"bot{next}", "example.org", T0 + offsets[next]);
                if (decision.Individual) messages.Add((offsets[next], "notice", null));
                if (decision.Alert is { } alert) messages.Add((offsets[next], "alert", alert));
            }
            if (burst.TakeDue(T0 + second + TimeSpan.FromSeconds(1)) is { } report)
                messages.Add((second + TimeSpan.FromSeconds(1), report.Stage.ToString(), report));
        }
        return messages;
    }

    private static List<TimeSpan> Every(TimeSpan spacing, int count) => Enumerable.Range(0, count).Select(i => spacing * i).ToList();

    [Fact]
    public void Up_to_the_threshold_each_registration_gets_its_own_notice()
    {
        var burst = new RegistrationBurst(5, TimeSpan.FromSeconds(60));
        for (var i = 0; i < 5; i++) Assert.Equal(new BurstDecision(true, null), burst.Register($"user{i}", "example.org", T0.AddSeconds(i)));
        Assert.Null(burst.TakeDue(T0.AddMinutes(5)));
    }

    [Fact]
    public void The_registration_that_crosses_the_threshold_brings_the_alert_at_once()
    {
        var burst = new RegistrationBurst(5, TimeSpan.FromSeconds(60));
        for (var i = 0; i < 5; i++) burst.Register($"user{i}", "example.org", T0.AddSeconds(i * 10));

        var decision = burst.Register("user5", "example.org", T0.AddSeconds(50));

        Assert.False(decision.Individual);
        var alert = Assert.IsType<BurstAlert>(decision.Alert);
        Assert.Equal(BurstStage.Started, alert.Stage);
        Assert.Equal(
            "Registration burst on example.org: more than 5 registrations within 1m, the first at 2026-11-23 12:00:00 UTC; " +
            "individual notices paused until it ends, then a summary follows. Latest: user5.",
            alert.Text(5, TimeSpan.FromSeconds(60)));
        Assert.Equal(new BurstDecision(false, null), burst.Register("user6", "example.org", T0.AddSeconds(51)));
        Assert.Null(burst.TakeDue(T0.AddSeconds(52)));
    }

    [Fact]
    public void A_thousand_registrations_in_a_minute_are_seven_messages_five_notices_the_alert_and_the_summary()
    {
        var burst = new RegistrationBurst(5, TimeSpan.FromSeconds(60));

        var messages = Run(burst, Every(TimeSpan.FromMilliseconds(50), 1000), TimeSpan.FromMinutes(5));

        Assert.Equal(["notice", "notice", "notice", "notice", "notice", "alert", "Ended"], messages.Select(m => m.Kind));
        Assert.Equal(TimeSpan.FromMilliseconds(250), messages[5].At); // the sixth registration, within the first second
        // The burst ends once the window holds five registrations again: 60 s after the sixth-last (49.7 s).
        Assert.Equal(TimeSpan.FromSeconds(110), messages[6].At);
        var summary = messages[6].Alert!;
        Assert.Equal(995, summary.Count);
        Assert.Contains(summary.Flagged, f => f.Why == "numbered sequence");
        var text = summary.Text(5, TimeSpan.FromSeconds(60));
        Assert.StartsWith("Registration burst on example.org ended: 995 more registrations since 2026-11-23 12:00:00 UTC (more than 5 within 1m); individual notices resume. Names: bot5, bot6,", text);
        Assert.Contains("and 965 more", text);
        Assert.Contains("(numbered sequence)", text);
    }

    [Fact]
    public void A_flood_lasting_an_hour_brings_two_progress_reports_at_doubling_intervals_nine_messages_in_all()
    {
        var burst = new RegistrationBurst(5, TimeSpan.FromSeconds(60));

        // 1,000 registrations 3.6 s apart: about 17 a minute for an hour.
        var messages = Run(burst, Every(TimeSpan.FromSeconds(3.6), 1000), TimeSpan.FromHours(2));

        Assert.Equal(["notice", "notice", "notice", "notice", "notice", "alert", "Continuing", "Continuing", "Ended"], messages.Select(m => m.Kind));
        Assert.Equal(TimeSpan.FromSeconds(18), messages[5].At);
        Assert.Equal(TimeSpan.FromSeconds(618), messages[6].At); // 10 windows after the start
        Assert.Equal(TimeSpan.FromSeconds(1818), messages[7].At); // then 20 windows later
        Assert.Equal(995, messages.Skip(6).Sum(m => m.Alert!.Count));
        Assert.Equal(995, messages[8].Alert!.Total);
        Assert.Contains("continues: 167 more registrations since 2026-11-23 12:00:18 UTC (167 since it began)", messages[6].Alert!.Text(5, TimeSpan.FromSeconds(60)));
        Assert.Contains("; 995 in all); individual notices resume.", messages[8].Alert!.Text(5, TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void After_a_burst_ends_notices_are_individual_again_and_a_rate_near_the_threshold_does_not_flap()
    {
        var burst = new RegistrationBurst(2, TimeSpan.FromSeconds(10));
        Assert.True(burst.Register("a", "h", T0).Individual);
        Assert.True(burst.Register("b", "h", T0.AddSeconds(1)).Individual);
        Assert.NotNull(burst.Register("c", "h", T0.AddSeconds(2)).Alert);
        Assert.Null(burst.TakeDue(T0.AddSeconds(9)));
        Assert.Equal(BurstStage.Ended, burst.TakeDue(T0.AddSeconds(11))?.Stage);

        // Counting starts afresh: the next two are individual even though the window still holds a and b... c.
        Assert.True(burst.Register("d", "h", T0.AddSeconds(11.5)).Individual);
        Assert.True(burst.Register("e", "h", T0.AddSeconds(12)).Individual);
        Assert.NotNull(burst.Register("f", "h", T0.AddSeconds(12.5)).Alert);
    }

    [Fact]
    public void A_huge_burst_keeps_a_bounded_number_of_names_and_an_exact_count()
    {
        var burst = new RegistrationBurst(5, TimeSpan.FromSeconds(60));

        var messages = Run(burst, Every(TimeSpan.FromMilliseconds(1), 50_000), TimeSpan.FromMinutes(3));

        Assert.Equal(7, messages.Count);
        var summary = messages[^1].Alert!;
        Assert.Equal(49_995, summary.Count);
        Assert.Equal(RegistrationBurst.NamesKept, summary.Names.Count);
        Assert.Contains("and 49965 more", summary.Text(5, TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void Names_in_burst_messages_are_sanitised()
    {
        var burst = new RegistrationBurst(1, TimeSpan.FromSeconds(60));
        burst.Register("alice", "example.org", T0);

        var alert = burst.Register("eve\u202Egnp.exe", "exa\u200Bmple.org", T0.AddSeconds(1)).Alert!;
        var summary = burst.TakeDue(T0.AddMinutes(2))!;

        Assert.Contains("on example.org: more than 1 registrations", alert.Text(1, TimeSpan.FromSeconds(60)));
        Assert.EndsWith("Latest: evegnp.exe.", alert.Text(1, TimeSpan.FromSeconds(60)));
        Assert.DoesNotContain('\u202E', summary.Text(1, TimeSpan.FromSeconds(60)));
        Assert.Contains("Names: evegnp.exe.", summary.Text(1, TimeSpan.FromSeconds(60)));
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
