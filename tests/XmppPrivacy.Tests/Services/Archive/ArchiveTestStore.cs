using System.Xml.Linq;
using Microsoft.Extensions.Time.Testing;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Storage;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Archive;

/// <summary>A migrated SQLite archive in a temp file with a fake clock, for the archive tests.</summary>
public abstract class ArchiveTestStore : IAsyncLifetime, IDisposable
{
    protected static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, 123, TimeSpan.Zero);
    protected static readonly Jid Alice = Jid.Parse("alice@example.org");
    protected static readonly Jid Bob = Jid.Parse("bob@example.org");
    protected static readonly Jid Carol = Jid.Parse("carol@example.org");

    private readonly TempDirectory _directory = new();

    protected FakeTimeProvider Time { get; } = new(Start);
    protected SqliteDatabase Database { get; private set; } = null!;
    protected ArchiveStore Store { get; private set; } = null!;
    protected virtual ArchiveOptions Options => new();

    public async Task InitializeAsync()
    {
        Database = new SqliteDatabase(_directory.File("archive.db"), XmppPrivacy.Hosting.Catalogue.Schemas);
        await Database.MigrateAsync(CancellationToken.None);
        Store = new ArchiveStore(Database, Options);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _directory.Dispose();

    protected static XElement Message(Jid from, Jid to, string body) =>
        new(Ns.Client + "message", new XAttribute("from", from + "/phone"), new XAttribute("to", to.ToString()),
            new XAttribute("type", "chat"), new XElement(Ns.Client + "body", body));

    /// <summary>Archives <paramref name="count"/> messages alternating in/out, one second apart ending now.</summary>
    protected async Task<List<string>> FillAsync(Jid owner, Jid with, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var at = Time.GetUtcNow() - TimeSpan.FromSeconds(count - i);
            var direction = i % 2 == 0 ? ArchiveDirection.In : ArchiveDirection.Out;
            var message = direction == ArchiveDirection.In ? Message(with, owner, $"m{i}") : Message(owner, with, $"m{i}");
            ids.Add((await Store.AppendAsync(owner, with, direction, at, message, null, CancellationToken.None)).Id);
        }
        return ids;
    }

    protected Task<Outcome<ArchivePage>> QueryAsync(Jid owner, ArchiveQuery query) =>
        Store.QueryAsync(owner, query, Time.GetUtcNow(), CancellationToken.None);

    protected async Task<ArchivePage> PageAsync(Jid owner, ArchiveQuery query)
    {
        var outcome = await QueryAsync(owner, query);
        Assert.Null(outcome.Error);
        return outcome.Value!;
    }

    /// <summary>The first value of <paramref name="sql"/> over the database, with the archive's hourly files seen as one table <c>archive_messages</c>.</summary>
    protected async Task<long> ScalarAsync(string sql) => Convert.ToInt64(await ArchiveFiles.ScalarAsync(Database.FilePath, sql));
}
