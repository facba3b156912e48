using System.Text.Json;
using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Services.Transparency;
using XmppPrivacy.Tests.Services.Archive;

namespace XmppPrivacy.Tests.Services.Transparency;

public sealed class RetentionAuditTests : ArchiveTestStore
{
    private static readonly Domains Demo = new("example.org", "privacy.example.org");

    private RetentionAudit Audit() =>
        new([new ArchiveDataPolicy(Options, new SweepsOptions(), Demo, Database, Store)], new SweepsOptions(), Time);

    [Fact]
    public async Task A_message_older_than_retention_and_one_interval_fails_the_audit()
    {
        await FillAsync(Alice, Bob, 3);
        Assert.All(await Audit().RunAsync(null, CancellationToken.None), line => Assert.True(line.Pass));

        // A row the sweep should have deleted: planted directly, 7 days and 2 minutes old.
        await Store.AppendAsync(Alice, Carol, ArchiveDirection.In, Time.GetUtcNow() - TimeSpan.FromDays(7) - TimeSpan.FromMinutes(2),
            Message(Carol, Alice, "too old"), null, CancellationToken.None);
        var lines = await Audit().RunAsync(null, CancellationToken.None);

        var archive = lines.Single(l => l.Store.Key == "archive");
        Assert.False(archive.Pass);
        Assert.Equal(4, archive.Measured.Count);
        Assert.True(lines.Single(l => l.Store.Key == "archive-preferences").Pass);
    }

    [Fact]
    public async Task A_message_just_past_retention_passes_until_the_interval_for_deleting_it_is_over()
    {
        await Store.AppendAsync(Alice, Bob, ArchiveDirection.In, Time.GetUtcNow() - TimeSpan.FromDays(7) - TimeSpan.FromSeconds(30),
            Message(Bob, Alice, "expired, sweep not yet due"), null, CancellationToken.None);

        Assert.True((await Audit().RunAsync(null, CancellationToken.None)).Single(l => l.Store.Key == "archive").Pass);
        Time.Advance(TimeSpan.FromSeconds(31));
        Assert.False((await Audit().RunAsync(null, CancellationToken.None)).Single(l => l.Store.Key == "archive").Pass);
    }

    [Theory]
    [InlineData(10, 0, true)]
    [InlineData(11, 0, false)]
    [InlineData(3, 1, false)]
    public async Task A_store_promising_a_count_fails_when_its_largest_group_holds_more_and_any_orphan_fails_a_store(long largest, long orphans, bool pass)
    {
        var audit = new RetentionAudit([new Counted(new StoreAudit("room-history", 40, TimeSpan.FromDays(30), largest) { Orphans = orphans })],
            new SweepsOptions(), Time);

        var line = Assert.Single(await audit.RunAsync(null, CancellationToken.None));

        Assert.Equal(pass, line.Pass);
        Assert.StartsWith("at most 10 each", line.Promise);
    }

    /// <summary>A store that promises ten items per group, reporting what it is given.</summary>
    private sealed class Counted(StoreAudit measured) : IDataPolicy
    {
        public IEnumerable<StorePolicy> Stores() =>
        [
            new("room-history", "rooms.example.org", new Text("Rooms", "Räume"), new Text("", ""), new Text("", ""), new Text("", ""), new Text("", ""))
            {
                Content = true,
                MaxCount = 10,
            },
        ];

        public Task<IReadOnlyList<StoreAudit>> AuditAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<StoreAudit>>([measured]);

        public Task<IReadOnlyList<StoreAudit>> AboutAsync(Account account, DateTimeOffset now, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<StoreAudit>>([]);

        public Task ExportAsync(Account account, Utf8JsonWriter json, DateTimeOffset now, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public async Task The_export_holds_the_owners_messages_and_preferences_and_nothing_of_anybody_else()
    {
        await FillAsync(Alice, Bob, 3);
        await FillAsync(Bob, Carol, 2);
        await Store.SetPrefsAsync(Alice, new ArchivePrefs(ArchivePolicy.Always, ["carol@example.org"], []), CancellationToken.None);
        var policy = new ArchiveDataPolicy(Options, new SweepsOptions(), Demo, Database, Store);

        using var buffer = new MemoryStream();
        await using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            await policy.ExportAsync(Account.From(Alice), json, Time.GetUtcNow(), CancellationToken.None);
            json.WriteEndObject();
        }
        using var export = JsonDocument.Parse(buffer.ToArray());

        var messages = export.RootElement.GetProperty("archive").EnumerateArray().ToList();
        Assert.Equal(3, messages.Count);
        Assert.All(messages, m => Assert.Equal("bob@example.org", m.GetProperty("with").GetString()));
        Assert.Equal(["m0", "m1", "m2"], messages.Select(m => System.Xml.Linq.XElement.Parse(m.GetProperty("stanza").GetString()!).Value).ToArray());
        Assert.Equal("always", export.RootElement.GetProperty("archivePreferences").GetProperty("default").GetString());
        Assert.DoesNotContain("carol@example.org/phone", buffer.ToArray().Select(b => (char)b).ToArray().AsSpan().ToString());
    }

    [Fact]
    public async Task Delete_my_archive_deletes_the_owners_messages_only_and_keeps_the_preferences()
    {
        await FillAsync(Alice, Bob, 3);
        await FillAsync(Bob, Alice, 2);
        await Store.SetPrefsAsync(Alice, new ArchivePrefs(ArchivePolicy.Always, [], []), CancellationToken.None);

        Assert.Equal(3, await Store.DeleteMessagesAsync(Account.From(Alice), CancellationToken.None));

        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM archive_messages WHERE owner = 'alice@example.org';"));
        Assert.Equal(2, await ScalarAsync("SELECT COUNT(*) FROM archive_messages WHERE owner = 'bob@example.org';"));
        Assert.Equal(ArchivePolicy.Always, (await Store.GetPrefsAsync(Alice, CancellationToken.None)).Default);
    }
}
