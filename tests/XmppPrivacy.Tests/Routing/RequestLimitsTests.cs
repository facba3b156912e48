using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Routing;

public sealed class RequestLimitsTests
{
    private static readonly Jid Alice = Jid.Parse("alice@example.org/phone");
    private static readonly Jid Bob = Jid.Parse("bob@example.org/pc");

    [Fact]
    public void A_hundred_concurrent_requests_of_one_user_are_refused_beyond_the_limit_and_others_are_unaffected()
    {
        var limits = new RequestLimits(perUser: 4, total: 64);

        var leases = Enumerable.Range(0, 100).Select(_ => limits.TryEnter(Alice)).ToList();
        var bob = limits.TryEnter(Bob);

        Assert.Equal(4, leases.Count(l => l is not null));
        Assert.NotNull(bob);
        Assert.Equal("resource-constraint", RequestLimits.Busy.Condition);
        Assert.Equal("wait", RequestLimits.Busy.Type);
    }

    [Fact]
    public void The_total_bounds_all_users_together()
    {
        var limits = new RequestLimits(perUser: 4, total: 5);

        var granted = Enumerable.Range(0, 10).Select(i => limits.TryEnter(Jid.Parse($"user{i}@example.org"))).Count(l => l is not null);

        Assert.Equal(5, granted);
    }

    [Fact]
    public void A_finished_request_frees_its_place_once_even_if_disposed_twice_and_resources_share_the_bare_jid()
    {
        var limits = new RequestLimits(perUser: 1, total: 64);
        var lease = limits.TryEnter(Alice)!;

        lease.Dispose();
        lease.Dispose();
        var next = limits.TryEnter(Jid.Parse("Alice@example.org/other"));

        Assert.NotNull(next);
        Assert.Equal(1, limits.Running(Alice));
        Assert.Null(limits.TryEnter(Alice));
    }

    [Fact]
    public async Task Idle_completes_when_the_last_running_request_is_answered()
    {
        var limits = new RequestLimits(perUser: 4, total: 64);
        Assert.True(limits.IdleAsync().IsCompleted);
        var first = limits.TryEnter(Alice)!;
        var second = limits.TryEnter(Bob)!;

        var idle = limits.IdleAsync();
        first.Dispose();
        Assert.False(idle.IsCompleted);
        second.Dispose();

        await idle.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
