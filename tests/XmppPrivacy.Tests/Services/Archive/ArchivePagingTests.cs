using XmppPrivacy.Services.Archive;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Tests.Services.Archive;

public sealed class ArchivePagingTests : ArchiveTestStore
{
    [Fact]
    public async Task Paging_backwards_like_Conversations_gets_every_message_exactly_once()
    {
        var ids = await FillAsync(Alice, Bob, 200);
        var seen = new List<string>();

        var page = await PageAsync(Alice, new ArchiveQuery { Before = "", Max = 50 });
        var pages = 1;
        seen.InsertRange(0, page.Messages.Select(m => m.Id));
        while (!page.Complete)
        {
            page = await PageAsync(Alice, new ArchiveQuery { Before = page.First, Max = 50 });
            seen.InsertRange(0, page.Messages.Select(m => m.Id));
            pages++;
        }

        Assert.Equal(ids, seen);
        Assert.Equal(4, pages);
        Assert.Equal(200, page.Count);
    }

    [Fact]
    public async Task Paging_forwards_like_Gajim_asking_70_a_page_gets_every_message_exactly_once_in_capped_pages()
    {
        var ids = await FillAsync(Alice, Bob, 200);
        var seen = new List<string>();
        string? last = null;
        var pages = 0;
        ArchivePage page;
        do
        {
            page = await PageAsync(Alice, new ArchiveQuery { After = last, Max = 70 });
            seen.AddRange(page.Messages.Select(m => m.Id));
            last = page.Last ?? last;
            pages++;
        } while (!page.Complete);

        Assert.Equal(ids, seen);
        Assert.Equal(4, pages);
        Assert.Equal(50, page.Messages.Count);
    }

    [Fact]
    public async Task A_page_is_chronological_and_names_its_first_and_last_message()
    {
        var ids = await FillAsync(Alice, Bob, 10);

        var page = await PageAsync(Alice, new ArchiveQuery { Max = 4 });

        Assert.Equal(ids[..4], page.Messages.Select(m => m.Id));
        Assert.Equal(ids[0], page.First);
        Assert.Equal(ids[3], page.Last);
        Assert.False(page.Complete);
        Assert.Equal(10, page.Count);
        Assert.True(page.Messages.Zip(page.Messages.Skip(1)).All(p => p.First.Timestamp < p.Second.Timestamp));
    }

    [Fact]
    public async Task The_last_page_asked_with_an_empty_before_is_the_newest_messages_in_order()
    {
        var ids = await FillAsync(Alice, Bob, 10);

        var page = await PageAsync(Alice, new ArchiveQuery { Before = "", Max = 3 });

        Assert.Equal(ids[7..], page.Messages.Select(m => m.Id));
        Assert.False(page.Complete);
    }

    [Fact]
    public async Task Flip_page_reverses_the_order_of_the_same_page()
    {
        var ids = await FillAsync(Alice, Bob, 10);

        var page = await PageAsync(Alice, new ArchiveQuery { Before = "", Max = 3, FlipPage = true });

        Assert.Equal(new[] { ids[9], ids[8], ids[7] }, page.Messages.Select(m => m.Id));
        Assert.Equal(ids[9], page.First);
        Assert.Equal(ids[7], page.Last);
    }

    [Fact]
    public async Task A_page_reaching_the_end_of_the_archive_is_complete()
    {
        var ids = await FillAsync(Alice, Bob, 10);

        var forward = await PageAsync(Alice, new ArchiveQuery { After = ids[5], Max = 4 });
        var backward = await PageAsync(Alice, new ArchiveQuery { Before = ids[4], Max = 4 });
        var exact = await PageAsync(Alice, new ArchiveQuery { After = ids[4], Max = 4 });

        Assert.True(forward.Complete);
        Assert.Equal(ids[6..], forward.Messages.Select(m => m.Id));
        Assert.True(backward.Complete);
        Assert.Equal(ids[..4], backward.Messages.Select(m => m.Id));
        Assert.False(exact.Complete);
    }

    [Fact]
    public async Task A_max_of_zero_returns_only_the_count()
    {
        await FillAsync(Alice, Bob, 10);

        var page = await PageAsync(Alice, new ArchiveQuery { Max = 0 });

        Assert.Empty(page.Messages);
        Assert.Null(page.First);
        Assert.Equal(10, page.Count);
        Assert.False(page.Complete);
    }

    [Fact]
    public async Task An_empty_archive_is_one_complete_empty_page()
    {
        var page = await PageAsync(Alice, new ArchiveQuery { Before = "" });

        Assert.Empty(page.Messages);
        Assert.True(page.Complete);
        Assert.Equal(0, page.Count);
    }

    [Fact]
    public async Task A_page_never_holds_more_than_the_page_cap_whatever_max_says()
    {
        await FillAsync(Alice, Bob, 60);

        var page = await PageAsync(Alice, new ArchiveQuery { Max = int.MaxValue });

        Assert.Equal(50, page.Messages.Count);
        Assert.False(page.Complete);
    }

    [Fact]
    public async Task With_start_and_end_filter_by_party_and_time_inclusively()
    {
        var bob = await FillAsync(Alice, Bob, 10);
        await FillAsync(Alice, Carol, 5);
        var times = (await PageAsync(Alice, new ArchiveQuery { With = Bob })).Messages.Select(m => m.Timestamp).ToList();

        var page = await PageAsync(Alice, new ArchiveQuery { With = Bob, Start = times[2], End = times[5] });

        Assert.Equal(bob[2..6], page.Messages.Select(m => m.Id));
        Assert.Equal(4, page.Count);
        Assert.All(page.Messages, m => Assert.Equal("bob@example.org", m.With));
    }

    [Fact]
    public async Task With_compares_the_bare_jid_ignoring_case_and_resource()
    {
        var ids = await FillAsync(Alice, Bob, 3);

        var page = await PageAsync(Alice, new ArchiveQuery { With = XmppPrivacy.Xmpp.Jid.Parse("Bob@Example.ORG/laptop").Bare });

        Assert.Equal(ids, page.Messages.Select(m => m.Id));
    }

    [Fact]
    public async Task After_id_and_before_id_bound_the_set_and_the_count()
    {
        var ids = await FillAsync(Alice, Bob, 10);

        var page = await PageAsync(Alice, new ArchiveQuery { AfterId = ids[2], BeforeId = ids[7] });

        Assert.Equal(ids[3..7], page.Messages.Select(m => m.Id));
        Assert.Equal(4, page.Count);
        Assert.True(page.Complete);
    }

    [Fact]
    public async Task Ids_select_those_messages_in_order_and_leave_out_unknown_ones()
    {
        var ids = await FillAsync(Alice, Bob, 10);

        var page = await PageAsync(Alice, new ArchiveQuery { Ids = [ids[7], "unknown", ids[1]] });

        Assert.Equal(new[] { ids[1], ids[7] }, page.Messages.Select(m => m.Id));
    }

    [Fact]
    public async Task A_start_after_the_end_is_an_empty_complete_page()
    {
        await FillAsync(Alice, Bob, 3);

        var page = await PageAsync(Alice, new ArchiveQuery { Start = Start, End = Start - TimeSpan.FromDays(1) });

        Assert.Empty(page.Messages);
        Assert.True(page.Complete);
    }

    [Fact]
    public async Task A_query_from_year_0001_to_9999_is_capped_to_one_page()
    {
        await FillAsync(Alice, Bob, 80);

        var page = await PageAsync(Alice, new ArchiveQuery
        {
            Start = DateTimeOffset.MinValue, End = DateTimeOffset.MaxValue, Max = 100000,
        });

        Assert.Equal(50, page.Messages.Count);
        Assert.Equal(80, page.Count);
    }

    [Theory]
    [InlineData("after")]
    [InlineData("before")]
    [InlineData("after-id")]
    [InlineData("before-id")]
    public async Task An_unknown_id_is_item_not_found(string field)
    {
        await FillAsync(Alice, Bob, 3);

        var outcome = await QueryAsync(Alice, WithId(field, "AAAAAAAAAAAAAAAAAAAAAA"));

        Assert.Equal("item-not-found", outcome.Error?.Condition);
        Assert.Null(outcome.Value);
    }

    internal static ArchiveQuery WithId(string field, string id) => field switch
    {
        "after" => new ArchiveQuery { After = id },
        "before" => new ArchiveQuery { Before = id },
        "after-id" => new ArchiveQuery { AfterId = id },
        _ => new ArchiveQuery { BeforeId = id },
    };
}

public sealed class ArchiveIdsPagingTests : ArchiveTestStore
{
    [Fact]
    public async Task Ids_combine_with_with_and_paging()
    {
        var bob = await FillAsync(Alice, Bob, 6);
        var carol = await FillAsync(Alice, Carol, 2);

        var first = await PageAsync(Alice, new ArchiveQuery { Ids = [.. bob, .. carol], With = Bob, Max = 4 });
        var second = await PageAsync(Alice, new ArchiveQuery { Ids = [.. bob, .. carol], With = Bob, Max = 4, After = first.Last });

        Assert.Equal(bob[..4], first.Messages.Select(m => m.Id));
        Assert.False(first.Complete);
        Assert.Equal(bob[4..], second.Messages.Select(m => m.Id));
        Assert.True(second.Complete);
        Assert.Equal(6, second.Count);
    }
}

public sealed class ArchiveQueryTimeoutTests : ArchiveTestStore
{
    [Fact]
    public async Task A_query_past_its_deadline_is_answered_resource_constraint_of_type_wait()
    {
        await FillAsync(Alice, Bob, 3);
        var stalled = new ArchiveStore(new StalledDatabase(Database), new ArchiveOptions { QueryTimeout = TimeSpan.FromMilliseconds(100) });

        var outcome = await stalled.QueryAsync(Alice, new ArchiveQuery(), Time.GetUtcNow(), CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Null(outcome.Value);
        Assert.Equal("resource-constraint", outcome.Error?.Condition);
        Assert.Equal("wait", outcome.Error?.Type);
    }

    [Fact]
    public async Task A_query_stopped_by_its_caller_is_cancelled_not_answered()
    {
        var stalled = new ArchiveStore(new StalledDatabase(Database), new ArchiveOptions { QueryTimeout = TimeSpan.FromMinutes(5) });
        using var stopping = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            stalled.QueryAsync(Alice, new ArchiveQuery(), Time.GetUtcNow(), stopping.Token).WaitAsync(TimeSpan.FromMinutes(1)));
    }

    /// <summary>A database whose connections never open until the caller gives up: the slowest possible query.</summary>
    private sealed class StalledDatabase(IDatabase inner) : IDatabase
    {

        public async ValueTask<System.Data.Common.DbConnection> OpenAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return await inner.OpenAsync(cancellationToken);
        }

        public Task MigrateAsync(CancellationToken cancellationToken) => inner.MigrateAsync(cancellationToken);

        public Task<bool> CheckpointAsync(CancellationToken cancellationToken) => inner.CheckpointAsync(cancellationToken);

        public async Task<IReadOnlyList<string>> FilesAsync(string folder, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return await inner.FilesAsync(folder, cancellationToken);
        }

        public async ValueTask<System.Data.Common.DbConnection?> OpenFileAsync(string folder, string name, string? createSql,
            CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return await inner.OpenFileAsync(folder, name, createSql, cancellationToken);
        }

        public Task DeleteFileAsync(string folder, string name, CancellationToken cancellationToken) => inner.DeleteFileAsync(folder, name, cancellationToken);
    }
}
