using XmppPrivacy.Streams;

namespace XmppPrivacy.Tests.Streams;

public sealed class BackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(60);

    private static List<TimeSpan> Sequence(double random, int count)
    {
        var backoff = new Backoff(Base, Cap, () => random);
        return Enumerable.Range(0, count).Select(_ => backoff.Next()).ToList();
    }

    private static TimeSpan Ceiling(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(Cap.TotalMilliseconds, Base.TotalMilliseconds * Math.Pow(2, attempt)));

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.999999)]
    [InlineData(1.0)]
    public void Every_delay_is_between_the_base_and_the_capped_exponential(double random)
    {
        var delays = Sequence(random, 100);

        for (var n = 0; n < delays.Count; n++)
            Assert.InRange(delays[n], Base, Ceiling(n));
    }

    [Fact]
    public void The_lowest_draw_never_goes_below_the_base_delay()
    {
        Assert.All(Sequence(0.0, 50), d => Assert.Equal(Base, d));
    }

    [Fact]
    public void The_highest_draw_doubles_up_to_the_cap_and_stays_there()
    {
        var delays = Sequence(1.0, 40).Select(d => d.TotalSeconds).ToList();

        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60], delays.Take(8));
        Assert.All(delays.Skip(6), d => Assert.Equal(60, d));
    }

    [Fact]
    public void A_middle_draw_is_halfway_between_the_base_and_the_ceiling()
    {
        var delays = Sequence(0.5, 10).Select(d => d.TotalSeconds).ToList();

        Assert.Equal([1, 1.5, 2.5, 4.5, 8.5, 16.5, 30.5, 30.5], delays.Take(8));
    }

    [Fact]
    public void Thousands_of_failures_stay_at_the_cap_without_overflow()
    {
        var backoff = new Backoff(Base, Cap, () => 1.0);

        for (var n = 0; n < 5000; n++) Assert.InRange(backoff.Next(), Base, Cap);

        Assert.Equal(5000, backoff.Attempt);
        Assert.Equal(Cap, backoff.Next());
    }

    [Fact]
    public void Reset_starts_the_sequence_over()
    {
        var backoff = new Backoff(Base, Cap, () => 1.0);
        for (var i = 0; i < 10; i++) backoff.Next();

        backoff.Reset();

        Assert.Equal(0, backoff.Attempt);
        Assert.Equal(Base, backoff.Next());
        Assert.Equal(2 * Base, backoff.Next());
    }

    [Fact]
    public void A_cap_below_the_base_gives_the_cap()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), () => 0.0);

        Assert.Equal(TimeSpan.FromSeconds(5), backoff.Next());
    }

    [Fact]
    public void The_default_random_source_stays_within_the_bounds()
    {
        var backoff = new Backoff(Base, Cap);

        for (var n = 0; n < 200; n++)
            Assert.InRange(backoff.Next(), Base, Ceiling(n));
    }
}
