using XmppPrivacy.Services.Archive;

namespace XmppPrivacy.Tests.Services.Archive;

public sealed class ArchiveExpiryTests : ArchiveTestStore
{
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    private async Task<string> AppendAtAsync(DateTimeOffset at) =>
        (await Store.AppendAsync(Alice, Bob, ArchiveDirection.In, at, Message(Bob, Alice, "x"), null, CancellationToken.None)).Id;

    [Fact]
    public async Task A_message_exactly_seven_days_old_is_still_served()
    {
        var id = await AppendAtAsync(Start);
        Time.Advance(Week);

        var page = await PageAsync(Alice, new ArchiveQuery());

        Assert.Equal(id, Assert.Single(page.Messages).Id);
    }

    [Fact]
    public async Task A_message_seven_days_and_one_millisecond_old_is_never_served()
    {
        var id = await AppendAtAsync(Start);
        Time.Advance(Week + TimeSpan.FromMilliseconds(1));

        var page = await PageAsync(Alice, new ArchiveQuery { Ids = [id] });
        var last = await PageAsync(Alice, new ArchiveQuery { Before = "" });
        var metadata = await Store.MetadataAsync(Alice, Time.GetUtcNow(), CancellationToken.None);

        Assert.Empty(page.Messages);
        Assert.Empty(last.Messages);
        Assert.Equal(0, last.Count);
        Assert.Null(metadata.End);
        Assert.Equal(1, await ScalarAsync("SELECT COUNT(*) FROM archive_messages;"));
    }

    [Fact]
    public async Task An_expired_message_is_not_an_anchor_for_paging()
    {
        var old = await AppendAtAsync(Start);
        await AppendAtAsync(Start + TimeSpan.FromDays(1));
        Time.Advance(Week + TimeSpan.FromMilliseconds(1));

        var outcome = await QueryAsync(Alice, new ArchiveQuery { After = old });

        Assert.Equal("item-not-found", outcome.Error?.Condition);
    }

    [Fact]
    public async Task After_one_sweep_an_expired_message_no_longer_exists()
    {
        await AppendAtAsync(Start);
        var kept = await AppendAtAsync(Start + TimeSpan.FromMilliseconds(2));
        Time.Advance(Week + TimeSpan.FromMilliseconds(1));

        var deleted = await new ArchiveSweep(Store).RunAsync(Time.GetUtcNow(), 100, CancellationToken.None);

        Assert.Equal(1, deleted);
        Assert.Equal(1, await ScalarAsync("SELECT COUNT(*) FROM archive_messages;"));
        Assert.Equal(kept, Assert.Single((await PageAsync(Alice, new ArchiveQuery())).Messages).Id);
    }

    [Fact]
    public async Task A_sweep_deletes_in_batches_until_nothing_expired_is_left()
    {
        for (var i = 0; i < 23; i++) await AppendAtAsync(Start + TimeSpan.FromMilliseconds(i));
        await AppendAtAsync(Start + TimeSpan.FromDays(2));
        Time.Advance(Week + TimeSpan.FromDays(1));
        var sweep = new ArchiveSweep(Store);

        var deleted = await sweep.RunAsync(Time.GetUtcNow(), 5, CancellationToken.None);
        var again = await sweep.RunAsync(Time.GetUtcNow(), 5, CancellationToken.None);

        Assert.Equal(23, deleted);
        Assert.Equal(0, again);
        Assert.Equal(1, await ScalarAsync("SELECT COUNT(*) FROM archive_messages;"));
        Assert.Equal("archive", sweep.Name);
    }

    [Fact]
    public async Task An_hour_wholly_past_retention_is_deleted_as_a_file_and_the_boundary_hour_row_by_row()
    {
        var hour = DateTimeOffset.FromUnixTimeMilliseconds(Start.ToUnixTimeMilliseconds() / 3_600_000 * 3_600_000);
        for (var i = 0; i < 10; i++) await AppendAtAsync(hour - TimeSpan.FromMinutes(30) + TimeSpan.FromMilliseconds(i));
        for (var i = 0; i < 10; i++) await AppendAtAsync(hour + TimeSpan.FromMinutes(i));
        var folder = Database.FilePath + ".archive";
        Assert.Equal(2, Directory.GetFiles(folder, "*.db").Length);
        Time.Advance(hour + TimeSpan.FromMinutes(4) + TimeSpan.FromMilliseconds(1) + Week - Start);

        var deleted = await new ArchiveSweep(Store).RunAsync(Time.GetUtcNow(), 3, CancellationToken.None);

        Assert.Equal(15, deleted);
        Assert.Equal([ArchiveStoreTestNames.Hour(hour)], Directory.GetFiles(folder).Select(Path.GetFileName).Where(f => f!.EndsWith(".db", StringComparison.Ordinal)));
        Assert.Equal(5, await ScalarAsync("SELECT COUNT(*) FROM archive_messages;"));
        Assert.Equal((hour + TimeSpan.FromMinutes(5)).ToUnixTimeMilliseconds(), await ScalarAsync("SELECT MIN(ts_ms) FROM archive_messages;"));
    }

    [Fact]
    public async Task A_cancelled_sweep_stops()
    {
        await AppendAtAsync(Start);
        Time.Advance(Week * 2);
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await new ArchiveSweep(Store).RunAsync(Time.GetUtcNow(), 10, cancel.Token));
    }

    [Fact]
    public async Task The_age_of_the_oldest_message_counts_unswept_expired_ones()
    {
        Assert.Null(await Store.OldestMessageAgeAsync(Time.GetUtcNow(), CancellationToken.None));
        await AppendAtAsync(Start - TimeSpan.FromHours(1));
        await AppendAtAsync(Start);
        Time.Advance(Week + TimeSpan.FromDays(2));

        var age = await Store.OldestMessageAgeAsync(Time.GetUtcNow(), CancellationToken.None);
        await new ArchiveSweep(Store).RunAsync(Time.GetUtcNow(), 10, CancellationToken.None);

        Assert.Equal(Week + TimeSpan.FromDays(2) + TimeSpan.FromHours(1), age);
        Assert.Null(await Store.OldestMessageAgeAsync(Time.GetUtcNow(), CancellationToken.None));
    }

    [Fact]
    public async Task A_clock_jump_forward_then_back_expires_by_the_clock_of_each_read()
    {
        var id = await AppendAtAsync(Start);

        var during = await Store.QueryAsync(Alice, new ArchiveQuery(), Start + TimeSpan.FromDays(8), CancellationToken.None);
        var after = await Store.QueryAsync(Alice, new ArchiveQuery(), Start + TimeSpan.FromDays(7), CancellationToken.None);

        Assert.Empty(during.Value!.Messages);
        Assert.Equal(id, Assert.Single(after.Value!.Messages).Id);
    }
}

public sealed class ArchiveShortRetentionTests : ArchiveTestStore
{
    protected override ArchiveOptions Options => new() { ExpiresAfter = TimeSpan.FromMinutes(5) };

    [Fact]
    public async Task A_configured_retention_replaces_the_week()
    {
        await FillAsync(Alice, Bob, 3);
        Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));

        var page = await PageAsync(Alice, new ArchiveQuery());
        var deleted = await new ArchiveSweep(Store).RunAsync(Time.GetUtcNow(), 10, CancellationToken.None);

        Assert.Single(page.Messages);
        Assert.Equal(2, deleted);
    }
}

internal static class ArchiveStoreTestNames
{
    /// <summary>The file name of the hour that holds <paramref name="at"/>.</summary>
    public static string Hour(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH", System.Globalization.CultureInfo.InvariantCulture) + ".db";
}
