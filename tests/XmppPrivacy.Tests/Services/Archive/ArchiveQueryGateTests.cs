using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Archive;

public sealed class ArchiveQueryGateTests
{
    private static readonly Jid Alice = Jid.Parse("alice@example.org");
    private static readonly Jid Bob = Jid.Parse("bob@example.org");

    [Fact]
    public void A_hundred_concurrent_queries_of_one_user_are_refused_beyond_the_limit_and_others_are_unaffected()
    {
        var gate = new ArchiveQueryGate(4);

        var leases = Enumerable.Range(0, 100).Select(_ => gate.TryEnter(Alice)).ToList();
        var bob = gate.TryEnter(Bob);

        Assert.Equal(4, leases.Count(l => l is not null));
        Assert.NotNull(bob);
        Assert.Equal("resource-constraint", ArchiveQueryGate.Busy.Condition);
        Assert.Equal("wait", ArchiveQueryGate.Busy.Type);
    }

    [Fact]
    public void A_finished_query_frees_its_place_once_even_if_disposed_twice()
    {
        var gate = new ArchiveQueryGate(1);
        var lease = gate.TryEnter(Alice)!;

        lease.Dispose();
        lease.Dispose();
        var next = gate.TryEnter(Jid.Parse("Alice@example.org/other"));

        Assert.NotNull(next);
        Assert.Equal(1, gate.Running(Alice));
        Assert.Null(gate.TryEnter(Alice));
    }
}
