using System.Text;
using XmppPrivacy.Hosting;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Storage;
using XmppPrivacy.Tests.Support;

namespace XmppPrivacy.Tests.Services.Archive;

/// <summary>
/// The archive keeps one SQLite file per UTC hour beside the database (<c>&lt;database&gt;.archive/</c>): queries,
/// counts, anchors, exports and deletions span the files as if they were one table.
/// </summary>
public sealed class ArchiveGroupsTests : ArchiveTestStore
{
    private static readonly DateTimeOffset Hour = DateTimeOffset.FromUnixTimeMilliseconds(Start.ToUnixTimeMilliseconds() / 3_600_000 * 3_600_000);

    private string Folder => Database.FilePath + ".archive";

    private string[] Files() => Directory.Exists(Folder)
        ? Directory.GetFiles(Folder).Select(f => Path.GetFileName(f)!).Where(f => f.EndsWith(".db", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray()
        : [];

    /// <summary>Appends one message per entry of <paramref name="offsets"/> (from the hour before Start's hour), alternating Bob and Carol.</summary>
    private async Task<List<string>> SpreadAsync(params TimeSpan[] offsets)
    {
        var ids = new List<string>();
        for (var i = 0; i < offsets.Length; i++)
        {
            var with = i % 2 == 0 ? Bob : Carol;
            ids.Add((await Store.AppendAsync(Alice, with, ArchiveDirection.In, Hour - TimeSpan.FromHours(1) + offsets[i],
                Message(with, Alice, $"m{i}"), null, CancellationToken.None)).Id);
        }
        return ids;
    }

    private static TimeSpan[] EveryTwentyMinutes(int count) => Enumerable.Range(0, count).Select(i => TimeSpan.FromMinutes(20 * i)).ToArray();

    [Fact]
    public async Task Messages_go_to_the_file_of_their_UTC_hour_beside_the_database()
    {
        await SpreadAsync(EveryTwentyMinutes(7)); // 09:00 to 11:00

        Assert.Equal(["2026-11-23T09.db", "2026-11-23T10.db", "2026-11-23T11.db"], Files());
        Assert.Equal(7, await ScalarAsync("SELECT COUNT(*) FROM archive_messages;"));
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM main.sqlite_master WHERE name = 'archive_messages';"));
    }

    [Fact]
    public async Task Pages_forward_and_backward_run_across_hours_in_time_order_with_counts_summed()
    {
        Time.Advance(TimeSpan.FromHours(2));
        var ids = await SpreadAsync(EveryTwentyMinutes(9));

        var pages = new List<ArchivePage> { await PageAsync(Alice, new ArchiveQuery { Max = 2 }) };
        while (!pages[^1].Complete) pages.Add(await PageAsync(Alice, new ArchiveQuery { Max = 2, After = pages[^1].Last }));
        var back = new List<ArchivePage> { await PageAsync(Alice, new ArchiveQuery { Max = 4, Before = "" }) };
        while (!back[^1].Complete) back.Add(await PageAsync(Alice, new ArchiveQuery { Max = 4, Before = back[^1].First }));
        var withBob = await PageAsync(Alice, new ArchiveQuery { With = Bob, Max = 2, After = ids[1] });

        Assert.Equal(ids, pages.SelectMany(p => p.Messages).Select(m => m.Id));
        Assert.Equal(5, pages.Count);
        Assert.All(pages, p => Assert.Equal(9, p.Count));
        Assert.Equal(ids, Enumerable.Reverse(back).SelectMany(p => p.Messages).Select(m => m.Id));
        Assert.Equal([ids[2], ids[4]], withBob.Messages.Select(m => m.Id));
        Assert.Equal(5, withBob.Count); // the count is of the whole set, not of what follows the page's anchor
    }

    [Fact]
    public async Task Messages_with_the_same_time_keep_the_order_they_were_stored_in()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
            ids.Add((await Store.AppendAsync(Alice, Bob, ArchiveDirection.In, Start, Message(Bob, Alice, $"same {i}"), null, CancellationToken.None)).Id);

        var forward = await PageAsync(Alice, new ArchiveQuery { Max = 2, After = ids[1] });
        var backward = await PageAsync(Alice, new ArchiveQuery { Max = 2, Before = ids[3] });

        Assert.Equal(ids[2..4], forward.Messages.Select(m => m.Id));
        Assert.Equal(ids[1..3], backward.Messages.Select(m => m.Id));
    }

    [Fact]
    public async Task A_batch_across_an_hour_is_stored_in_both_files_and_its_replay_stores_nothing()
    {
        var entries = new[]
        {
            new ArchiveEntry(Alice, Bob, ArchiveDirection.In, Hour - TimeSpan.FromMilliseconds(1), Message(Bob, Alice, "before"), "b1"),
            new ArchiveEntry(Alice, Bob, ArchiveDirection.In, Hour, Message(Bob, Alice, "after"), "b2"),
            new ArchiveEntry(Alice, Bob, ArchiveDirection.Out, Hour - TimeSpan.FromMinutes(1), Message(Alice, Bob, "earlier"), "b3"),
        };

        var first = await Store.AppendManyAsync(entries, CancellationToken.None);
        var replay = await Store.AppendManyAsync(entries, CancellationToken.None);

        Assert.Equal([true, true, true], first.Select(a => a.Stored));
        Assert.Equal([false, false, false], replay.Select(a => a.Stored));
        Assert.Equal(["b1", "b2", "b3"], replay.Select(a => a.Id));
        Assert.Equal(["2026-11-23T09.db", "2026-11-23T10.db"], Files());
        Assert.Equal(["b3", "b1", "b2"], (await PageAsync(Alice, new ArchiveQuery())).Messages.Select(m => m.Id));
    }

    [Fact]
    public async Task Metadata_export_audit_and_account_listing_span_every_hour()
    {
        var ids = await SpreadAsync(EveryTwentyMinutes(7));
        await Store.AppendAsync(Bob, Alice, ArchiveDirection.Out, Hour, Message(Bob, Alice, "bob's"), null, CancellationToken.None);

        var metadata = await Store.MetadataAsync(Alice, Time.GetUtcNow(), CancellationToken.None);
        var exported = new List<string>();
        await foreach (var row in Store.ExportAsync(Account.From(Alice), Time.GetUtcNow(), CancellationToken.None)) exported.Add(row.Id);
        var all = await Store.AuditAsync("archive", null, Time.GetUtcNow(), CancellationToken.None);
        var alice = await Store.AuditAsync("archive", Account.From(Alice), Time.GetUtcNow(), CancellationToken.None);
        var accounts = new List<string>();
        await foreach (var account in Store.AccountsAsync(CancellationToken.None)) accounts.Add(account.Key);

        Assert.Equal((ids[0], ids[^1]), (metadata.Start?.Id, metadata.End?.Id));
        Assert.Equal(ids, exported);
        Assert.Equal(8, all.Count);
        Assert.Equal(7, alice.Count);
        Assert.Equal(Time.GetUtcNow() - (Hour - TimeSpan.FromHours(1)), alice.OldestAge);
        Assert.Equal(["alice@example.org", "bob@example.org"], accounts);
    }

    [Fact]
    public async Task Deleting_an_account_deletes_its_messages_in_every_hour_and_nobody_elses()
    {
        await SpreadAsync(EveryTwentyMinutes(7));
        await Store.AppendAsync(Bob, Alice, ArchiveDirection.Out, Hour, Message(Bob, Alice, "bob's"), null, CancellationToken.None);

        var deleted = await Store.DeleteAccountAsync(Account.From(Alice), CancellationToken.None);

        Assert.Equal(7, deleted);
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM archive_messages WHERE owner = 'alice@example.org';"));
        Assert.Equal(1, await ScalarAsync("SELECT COUNT(*) FROM archive_messages WHERE owner = 'bob@example.org';"));
    }

    [Fact]
    public async Task An_hour_file_being_deleted_is_not_reopened_by_a_reader_until_it_is_gone()
    {
        await SpreadAsync(TimeSpan.Zero);
        Time.Advance(TimeSpan.FromDays(8));

        var sweeping = new ArchiveSweep(Store).RunAsync(Time.GetUtcNow(), 10, CancellationToken.None).AsTask();
        var reading = Store.OldestMessageAgeAsync(Time.GetUtcNow(), CancellationToken.None);

        Assert.Equal(1, await sweeping);
        var age = await reading;
        Assert.True(age is null || age > TimeSpan.FromDays(7));
        Assert.Empty(Files());
        Assert.Empty(Directory.GetFiles(Folder));
    }

    [Fact]
    public async Task What_a_crash_left_half_deleted_is_not_a_group_and_is_deleted_with_the_next_expired_hour()
    {
        await SpreadAsync(TimeSpan.Zero);
        Directory.CreateDirectory(Folder);
        var leftover = Path.Combine(Folder, "2026-11-20T09.db.deleting");
        await File.WriteAllBytesAsync(leftover, new byte[9 << 20]);
        Time.Advance(TimeSpan.FromDays(8));

        var before = await Database.FilesAsync("archive", CancellationToken.None);
        var deleted = await new ArchiveSweep(Store).RunAsync(Time.GetUtcNow(), 10, CancellationToken.None);

        Assert.Equal(["2026-11-23T09"], before);
        Assert.Equal(1, deleted);
        Assert.Empty(Directory.GetFiles(Folder));
    }
}

/// <summary>An archive made by the one-table schema (archive step 1) is moved into hourly files at the next start.</summary>
public sealed class ArchiveGroupsMigrationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task The_one_table_archive_moves_into_hourly_files_with_ids_order_and_stanzas_and_leaves_no_trace_in_the_database()
    {
        var path = _directory.File("old.db");
        var old = Catalogue.Schemas.Select(s => s.Feature == "archive" ? s with { Steps = [s.Steps.Single(m => m.Version == 1)] } : s).ToList();
        await new SqliteDatabase(path, old).MigrateAsync(CancellationToken.None);
        var hour = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var rows = new List<(string Owner, string Id, long Ts, string Xml)>();
        for (var i = 0; i < 30; i++)
            rows.Add(($"user{i % 3}@example.org", $"id-{i}", hour + (i / 10) * 3_600_000 + (i % 10 == 9 ? 0 : i % 10) * 1000, $"<message xmlns='jabber:client'><body>migrate-marker {i}</body></message>"));
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            foreach (var (owner, id, ts, xml) in rows)
            {
                await using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO archive_messages (owner, archive_id, with_jid, direction, ts_ms, xml) VALUES ($o, $i, 'bob@example.org', 'in', $t, $x);";
                insert.Parameters.AddWithValue("$o", owner);
                insert.Parameters.AddWithValue("$i", id);
                insert.Parameters.AddWithValue("$t", ts);
                insert.Parameters.AddWithValue("$x", xml);
                await insert.ExecuteNonQueryAsync();
            }
        }

        var database = new SqliteDatabase(path, Catalogue.Schemas);
        await database.MigrateAsync(CancellationToken.None);
        await database.CheckpointAsync(CancellationToken.None);
        var store = new ArchiveStore(database, new ArchiveOptions { ExpiresAfter = TimeSpan.FromDays(3650) });
        var now = DateTimeOffset.FromUnixTimeMilliseconds(hour) + TimeSpan.FromDays(1);

        Assert.Equal(["2026-11-23T09", "2026-11-23T10", "2026-11-23T11"], await database.FilesAsync("archive", CancellationToken.None));
        Assert.Equal(0L, await ArchiveFiles.ScalarAsync(path, "SELECT COUNT(*) FROM main.sqlite_master WHERE name = 'archive_messages';"));
        foreach (var owner in rows.Select(r => r.Owner).Distinct())
        {
            var expected = rows.Select((r, seq) => (r, seq)).Where(x => x.r.Owner == owner).OrderBy(x => x.r.Ts).ThenBy(x => x.seq).Select(x => x.r).ToList();
            var page = (await store.QueryAsync(XmppPrivacy.Xmpp.Jid.Parse(owner), new ArchiveQuery { Max = 100 }, now, CancellationToken.None)).Value!;
            Assert.Equal(expected.Select(r => r.Id), page.Messages.Select(m => m.Id));
            Assert.Equal(expected.Select(r => r.Xml), page.Messages.Select(m => m.Xml));
            Assert.Equal(expected.Select(r => r.Ts), page.Messages.Select(m => m.Timestamp.ToUnixTimeMilliseconds()));
        }
        var main = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(path));
        Assert.DoesNotContain("migrate-marker", main);
        Assert.False(File.Exists(path + "-wal") && Encoding.Latin1.GetString(await File.ReadAllBytesAsync(path + "-wal")).Contains("migrate-marker", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_move_interrupted_before_its_step_committed_is_repeated_without_doubling_anything()
    {
        var path = _directory.File("again.db");
        var old = Catalogue.Schemas.Select(s => s.Feature == "archive" ? s with { Steps = [s.Steps.Single(m => m.Version == 1)] } : s).ToList();
        await new SqliteDatabase(path, old).MigrateAsync(CancellationToken.None);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO archive_messages (owner, archive_id, with_jid, direction, ts_ms, xml) VALUES " +
                "('a@example.org', 'x1', 'b@example.org', 'in', 1000, '<m/>'), ('a@example.org', 'x2', 'b@example.org', 'in', 4000000, '<m/>');";
            await insert.ExecuteNonQueryAsync();
        }
        var database = new SqliteDatabase(path, Catalogue.Schemas);
        // The copy ran once (as if the process stopped before the step's commit): it runs again at the next start.
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        await using (var transaction = await connection.BeginTransactionAsync())
            await ArchiveStore.Schema.Single(m => m.Version == 2).Before!(database, connection, transaction, CancellationToken.None);

        await database.MigrateAsync(CancellationToken.None);

        Assert.Equal(2L, await ArchiveFiles.ScalarAsync(path, "SELECT COUNT(*) FROM archive_messages;"));
        Assert.Equal(["1970-01-01T00", "1970-01-01T01"], await database.FilesAsync("archive", CancellationToken.None));
    }
}
