using System.Text;
using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Sweeps;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Services.Archive;

namespace XmppPrivacy.Tests.Services.Archive;

/// <summary>
/// A deleted message is gone from the bytes of the database file, not only from its tables: SQLite keeps
/// a deleted row's content in the freed page until the page is reused, unless secure_delete is on.
/// </summary>
public sealed class ArchiveErasureTests : ArchiveTestStore
{
    private const string Marker = "erasure-marker-7f3a9c";

    private async Task FillWithMarkerAsync(int count)
    {
        for (var i = 0; i < count; i++)
            await Store.AppendAsync(Alice, Bob, ArchiveDirection.In, Start + TimeSpan.FromSeconds(i),
                Message(Bob, Alice, $"{Marker} {i} {new string('x', 200)}"), null, CancellationToken.None);
    }

    /// <summary>Every byte the database has on disk: its file and its log, and every file and log of the archive's hours.</summary>
    private async Task<string> BytesOnDiskAsync()
    {
        var text = new StringBuilder();
        var folder = Database.FilePath + ".archive";
        var hours = Directory.Exists(folder) ? Directory.GetFiles(folder) : [];
        foreach (var path in new[] { Database.FilePath, Database.FilePath + "-wal" }.Where(File.Exists).Concat(hours))
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.Latin1);
            text.Append(await reader.ReadToEndAsync());
        }
        return text.ToString();
    }

    /// <summary>One round of the sweep service as the component runs it, with the archive's sweep.</summary>
    private Task SweepRoundAsync() =>
        new SweepService([new ArchiveSweep(Store)], new SweepRunStore(Database), Database, new Metrics(), Time,
            new SweepsOptions { BatchSize = 50 }, new TestLog().For<SweepService>()).RunAllAsync(CancellationToken.None);

    [Fact]
    public async Task Expired_messages_leave_no_trace_of_their_content_in_the_database_file()
    {
        await FillWithMarkerAsync(200);
        Assert.Contains(Marker, await BytesOnDiskAsync());
        Time.Advance(TimeSpan.FromDays(8));

        await SweepRoundAsync();

        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM archive_messages;"));
        Assert.DoesNotContain(Marker, await BytesOnDiskAsync());
    }

    [Fact]
    public async Task A_deleted_accounts_messages_leave_no_trace_of_their_content_in_the_database_file()
    {
        await FillWithMarkerAsync(200);
        Assert.Contains(Marker, await BytesOnDiskAsync());

        await Store.DeleteAccountAsync(Account.From(Alice), CancellationToken.None);
        await SweepRoundAsync();

        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM archive_messages;"));
        Assert.DoesNotContain(Marker, await BytesOnDiskAsync());
    }
}
