using XmppPrivacy.Tests.Support;
using XmppPrivacy.Services.Accounts;
using System.Xml.Linq;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Archive;

public sealed class ArchiveStoreTests : ArchiveTestStore
{
    [Fact]
    public async Task An_appended_message_is_served_back_as_it_was_given()
    {
        var message = Message(Bob, Alice, "hello <there> & \u00e9\u00e8 \U0001F600");

        var append = await Store.AppendAsync(Alice, Bob, ArchiveDirection.In, Start, message, null, CancellationToken.None);

        var stored = Assert.Single((await PageAsync(Alice, new ArchiveQuery())).Messages);
        Assert.True(append.Stored);
        Assert.Equal(append.Id, stored.Id);
        Assert.Equal(Start, stored.Timestamp);
        Assert.Equal(ArchiveDirection.In, stored.Direction);
        Assert.Equal("bob@example.org", stored.With);
        Assert.Equal(message.ToString(SaveOptions.DisableFormatting), stored.Xml);
        Assert.Equal(message.Element(Ns.Client + "body")!.Value, stored.ToElement().Element(Ns.Client + "body")!.Value);
    }

    [Fact]
    public async Task New_archive_ids_are_unguessable_base64url_of_16_bytes()
    {
        var ids = await FillAsync(Alice, Bob, 50);

        Assert.Equal(50, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches("^[A-Za-z0-9_-]{22}$", id));
    }

    [Fact]
    public async Task A_replayed_stanza_id_is_stored_once()
    {
        var message = Message(Bob, Alice, "once");

        var first = await Store.AppendAsync(Alice, Bob, ArchiveDirection.In, Start, message, "bridge-id-1", CancellationToken.None);
        var replay = await Store.AppendAsync(Alice, Bob, ArchiveDirection.In, Start, message, "bridge-id-1", CancellationToken.None);

        Assert.Equal(("bridge-id-1", true), (first.Id, first.Stored));
        Assert.Equal(("bridge-id-1", false), (replay.Id, replay.Stored));
        Assert.Equal(1, await ScalarAsync("SELECT COUNT(*) FROM archive_messages;"));
    }

    [Fact]
    public async Task The_same_stanza_id_in_two_archives_is_two_messages()
    {
        var message = Message(Bob, Alice, "both archive it");

        await Store.AppendAsync(Alice, Bob, ArchiveDirection.In, Start, message, "shared", CancellationToken.None);
        await Store.AppendAsync(Bob, Alice, ArchiveDirection.Out, Start, message, "shared", CancellationToken.None);

        Assert.Single((await PageAsync(Alice, new ArchiveQuery())).Messages);
        Assert.Single((await PageAsync(Bob, new ArchiveQuery())).Messages);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tab\there")]
    public async Task An_invalid_supplied_id_is_refused_and_nothing_is_stored(string id)
    {
        await Assert.ThrowsAsync<ArgumentException>(() =>
            Store.AppendAsync(Alice, Bob, ArchiveDirection.In, Start, Message(Bob, Alice, "x"), id, CancellationToken.None));

        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM archive_messages;"));
    }

    [Fact]
    public async Task An_appended_message_is_committed_before_append_returns()
    {
        await Store.AppendAsync(Alice, Bob, ArchiveDirection.Out, Start, Message(Alice, Bob, "durable"), null, CancellationToken.None);

        // Another connection, not pooled, to the hour's own file: what it sees was committed.
        Assert.Equal(1L, await ArchiveFiles.ScalarAsync(Database.FilePath, "SELECT COUNT(*) FROM archive_messages;"));
    }

    [Fact]
    public async Task A_query_reads_only_the_owners_archive_whatever_with_names()
    {
        await FillAsync(Bob, Carol, 5);
        await FillAsync(Bob, Alice, 5);
        var mine = await FillAsync(Alice, Carol, 3);

        var all = await PageAsync(Alice, new ArchiveQuery());
        var withBob = await PageAsync(Alice, new ArchiveQuery { With = Bob });
        var withCarol = await PageAsync(Alice, new ArchiveQuery { With = Carol });

        Assert.Equal(mine, all.Messages.Select(m => m.Id));
        Assert.Empty(withBob.Messages);
        Assert.Equal(mine, withCarol.Messages.Select(m => m.Id));
    }

    [Theory]
    [InlineData("after")]
    [InlineData("before")]
    [InlineData("after-id")]
    [InlineData("before-id")]
    public async Task An_id_from_another_owners_archive_is_item_not_found(string field)
    {
        var bobs = await FillAsync(Bob, Carol, 3);
        await FillAsync(Alice, Carol, 3);

        var outcome = await QueryAsync(Alice, ArchivePagingTests.WithId(field, bobs[1]));

        Assert.Equal("item-not-found", outcome.Error?.Condition);
    }

    [Fact]
    public async Task Ids_of_another_owners_archive_select_nothing()
    {
        var bobs = await FillAsync(Bob, Carol, 3);

        var page = await PageAsync(Alice, new ArchiveQuery { Ids = bobs });

        Assert.Empty(page.Messages);
    }

    [Fact]
    public async Task Metadata_names_the_first_and_last_message_of_the_live_archive()
    {
        var ids = await FillAsync(Alice, Bob, 5);
        await FillAsync(Bob, Alice, 2);

        var metadata = await Store.MetadataAsync(Alice, Time.GetUtcNow(), CancellationToken.None);

        Assert.Equal(ids[0], metadata.Start?.Id);
        Assert.Equal(ids[4], metadata.End?.Id);
        Assert.Equal(Start - TimeSpan.FromSeconds(5), metadata.Start?.Timestamp);
        var element = metadata.ToElement();
        Assert.Equal(ArchiveNs.Mam + "metadata", element.Name);
        Assert.Equal("2026-11-23T09:59:55.123Z", (string?)element.Element(ArchiveNs.Mam + "start")?.Attribute("timestamp"));
        Assert.Equal(ids[4], (string?)element.Element(ArchiveNs.Mam + "end")?.Attribute("id"));
    }

    [Fact]
    public async Task Metadata_of_an_empty_archive_is_empty()
    {
        var metadata = await Store.MetadataAsync(Alice, Time.GetUtcNow(), CancellationToken.None);

        Assert.Equal(new ArchiveMetadata(null, null), metadata);
        Assert.False(metadata.ToElement().HasElements);
    }

    [Fact]
    public async Task Deleting_an_account_removes_its_messages_and_prefs_and_nothing_else()
    {
        await FillAsync(Alice, Bob, 4);
        await FillAsync(Bob, Alice, 3);
        await Store.SetPrefsAsync(Alice, new ArchivePrefs(ArchivePolicy.Always, ["bob@example.org"], []), CancellationToken.None);

        var deleted = await Store.DeleteAccountAsync(Account.Parse("alice@example.org"), CancellationToken.None);

        Assert.Equal(6, deleted);
        Assert.Empty((await PageAsync(Alice, new ArchiveQuery())).Messages);
        Assert.Equal(ArchivePolicy.Never, (await Store.GetPrefsAsync(Alice, CancellationToken.None)).Default);
        Assert.Equal(3, (await PageAsync(Bob, new ArchiveQuery())).Count);
        Assert.Equal(["bob@example.org"], (await Store.AccountsAsync(CancellationToken.None).ToListAsync()).Select(a => a.Key));
    }

    [Fact]
    public async Task Accounts_lists_everyone_with_messages_or_prefs_once()
    {
        await FillAsync(Bob, Alice, 2);
        await Store.SetPrefsAsync(Bob, new ArchivePrefs(ArchivePolicy.Always, [], []), CancellationToken.None);
        await Store.SetPrefsAsync(Carol, new ArchivePrefs(ArchivePolicy.Never, [], []), CancellationToken.None);

        var accounts = (await Store.AccountsAsync(CancellationToken.None).ToListAsync()).Select(a => a.Key).ToList();

        Assert.Equal(["bob@example.org", "carol@example.org"], accounts);
    }

    [Fact]
    public async Task A_recreated_account_of_the_same_name_sees_nothing_of_the_old_one()
    {
        await FillAsync(Alice, Bob, 4);
        await Store.DeleteAccountAsync(Account.Parse("alice@example.org"), CancellationToken.None);

        var page = await PageAsync(Jid.Parse("alice@example.org"), new ArchiveQuery { Before = "" });
        var metadata = await Store.MetadataAsync(Alice, Time.GetUtcNow(), CancellationToken.None);

        Assert.Empty(page.Messages);
        Assert.Null(metadata.Start);
    }
}

public sealed class ArchiveBatchAppendTests : ArchiveTestStore
{
    [Fact]
    public async Task A_batch_is_stored_in_one_go_and_a_replayed_id_in_it_is_stored_once()
    {
        var entries = new[]
        {
            new ArchiveEntry(Alice, Bob, ArchiveDirection.In, Start, Message(Bob, Alice, "1"), "r1"),
            new ArchiveEntry(Alice, Bob, ArchiveDirection.Out, Start + TimeSpan.FromSeconds(1), Message(Alice, Bob, "2")),
            new ArchiveEntry(Alice, Bob, ArchiveDirection.In, Start, Message(Bob, Alice, "1"), "r1"),
        };

        var appended = await Store.AppendManyAsync(entries, CancellationToken.None);

        Assert.Equal([true, true, false], appended.Select(a => a.Stored));
        Assert.Equal("r1", appended[2].Id);
        Assert.Equal(2, await ScalarAsync("SELECT COUNT(*) FROM archive_messages;"));
    }

    [Fact]
    public async Task Every_message_of_a_batch_keeps_its_own_owner_contact_direction_time_and_text()
    {
        var entries = new[]
        {
            new ArchiveEntry(Alice, Bob, ArchiveDirection.In, Start, Message(Bob, Alice, "a1"), "id-a1"),
            new ArchiveEntry(Bob, Alice, ArchiveDirection.Out, Start + TimeSpan.FromSeconds(1), Message(Bob, Alice, "b1")),
            new ArchiveEntry(Alice, Carol, ArchiveDirection.Out, Start + TimeSpan.FromSeconds(2), Message(Alice, Carol, "a2")),
            new ArchiveEntry(Carol, Alice, ArchiveDirection.In, Start + TimeSpan.FromSeconds(3), Message(Alice, Carol, "c1"), "id-c1"),
        };

        var appended = await Store.AppendManyAsync(entries, CancellationToken.None);

        foreach (var (entry, append) in entries.Zip(appended))
        {
            var stored = Assert.Single((await PageAsync(entry.Owner, new ArchiveQuery { Ids = [append.Id] })).Messages);
            Assert.Equal((entry.Id ?? append.Id, entry.Timestamp, ArchiveStore.Key(entry.With), entry.Direction),
                (stored.Id, stored.Timestamp, stored.With, stored.Direction));
            Assert.Equal(entry.Message.ToString(SaveOptions.DisableFormatting), stored.Xml);
        }
        Assert.Equal(2, (await PageAsync(Alice, new ArchiveQuery())).Count);
        Assert.Equal(1, (await PageAsync(Bob, new ArchiveQuery())).Count);
        Assert.Equal(1, (await PageAsync(Carol, new ArchiveQuery())).Count);
    }

    [Fact]
    public async Task A_batch_with_one_invalid_id_stores_nothing()
    {
        var entries = new[]
        {
            new ArchiveEntry(Alice, Bob, ArchiveDirection.In, Start, Message(Bob, Alice, "1")),
            new ArchiveEntry(Alice, Bob, ArchiveDirection.In, Start, Message(Bob, Alice, "2"), new string('x', 129)),
        };

        await Assert.ThrowsAsync<ArgumentException>(() => Store.AppendManyAsync(entries, CancellationToken.None));

        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM archive_messages;"));
    }
}
