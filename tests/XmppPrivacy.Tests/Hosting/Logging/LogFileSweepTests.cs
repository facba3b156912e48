using XmppPrivacy.Hosting.Logging;
using XmppPrivacy.Tests.Support;

namespace XmppPrivacy.Tests.Hosting.Logging;

public sealed class LogFileSweepTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Files_older_than_the_retention_are_deleted_and_newer_ones_kept()
    {
        using var directory = new TempDirectory();
        string[] old = ["xmpp-privacy-20251231.log", "xmpp-privacy-20260101.log", "xmpp-privacy-20260104.log"];
        string[] kept =
        [
            "xmpp-privacy-20260105.log", "xmpp-privacy-20260110.log", "xmpp-privacy-20260111.log",
            "xmpp-privacy-garbage1.log", "xmpp-privacy-20260101.txt", "other-20260101.log", "xmpp-privacy.log",
        ];
        foreach (var name in old.Concat(kept)) await File.WriteAllTextAsync(directory.File(name), "line\n");

        var deleted = await new LogFileSweep(directory.File("xmpp-privacy.log"), retentionDays: 5).RunAsync(Now, 1000, CancellationToken.None);

        Assert.Equal(old.Length, deleted);
        Assert.Equal(kept.Order(StringComparer.Ordinal), Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_log_file_name_without_an_extension_gets_log()
    {
        using var directory = new TempDirectory();
        await File.WriteAllTextAsync(directory.File("app-20250101.log"), "");

        var deleted = await new LogFileSweep(directory.File("app"), retentionDays: 1).RunAsync(Now, 1000, CancellationToken.None);

        Assert.Equal(1, deleted);
        Assert.Empty(Directory.GetFiles(directory.Path));
    }

    [Fact]
    public async Task Without_a_log_file_or_its_directory_nothing_happens()
    {
        Assert.Equal(0, await new LogFileSweep(null, 5).RunAsync(Now, 1000, CancellationToken.None));
        Assert.Equal(0, await new LogFileSweep("/nonexistent-xmppprivacy/dir/x.log", 5).RunAsync(Now, 1000, CancellationToken.None));
    }
}
