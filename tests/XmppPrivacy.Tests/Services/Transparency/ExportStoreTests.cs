using Microsoft.Extensions.Time.Testing;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Transparency;
using XmppPrivacy.Tests.Support;

namespace XmppPrivacy.Tests.Services.Transparency;

public sealed class ExportStoreTests : IDisposable
{
    private static readonly Account Alice = Account.Parse("alice@example.org");
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));

    public void Dispose() => _directory.Dispose();

    private ExportStore Store() => new(new StorageOptions { Path = _directory.File("x.db") }, _time);

    private static Task<string?> ExportAsync(ExportStore store, Account account, string text = "hello") =>
        store.CreateAsync(account, (json, _) =>
        {
            json.WriteStartObject();
            json.WriteString("text", text);
            json.WriteEndObject();
            return Task.CompletedTask;
        }, CancellationToken.None);

    private static string Read(FileStream file)
    {
        using (file)
        using (var reader = new StreamReader(file)) return reader.ReadToEnd();
    }

    [Fact]
    public async Task An_export_is_downloaded_once_and_then_gone_from_disk()
    {
        var store = Store();
        var token = await ExportAsync(store, Alice);

        Assert.NotNull(token);
        Assert.Equal(43, token!.Length);
        Assert.Contains("hello", Read(store.Take(token)!));
        Assert.Null(store.Take(token));
        Assert.Empty(Directory.GetFiles(store.Folder));
    }

    [Fact]
    public async Task An_export_not_downloaded_in_time_is_never_served_and_the_sweep_deletes_it()
    {
        var store = Store();
        var first = (await ExportAsync(store, Alice))!;
        var second = (await ExportAsync(store, Account.Parse("bob@example.org")))!;
        _time.Advance(ExportStore.Lifetime + TimeSpan.FromSeconds(1));

        Assert.Null(store.Take(first));
        Assert.Equal(1, await store.RunAsync(_time.GetUtcNow(), 100, CancellationToken.None));
        Assert.Null(store.Take(second));
        Assert.Empty(Directory.GetFiles(store.Folder));
    }

    [Fact]
    public async Task A_new_export_replaces_the_waiting_one_and_deleting_the_account_deletes_it()
    {
        var store = Store();
        var old = (await ExportAsync(store, Alice, "old"))!;
        var current = (await ExportAsync(store, Alice, "new"))!;

        Assert.Null(store.Take(old));
        Assert.Single(Directory.GetFiles(store.Folder));
        Assert.Equal(1, await store.DeleteAccountAsync(Alice, CancellationToken.None));
        Assert.Null(store.Take(current));
        Assert.Empty(Directory.GetFiles(store.Folder));
    }

    [Fact]
    public async Task Exports_left_by_an_earlier_run_are_deleted_at_start_and_the_number_waiting_is_bounded()
    {
        var store = Store();
        for (var i = 0; i < ExportStore.MaxWaiting; i++) Assert.NotNull(await ExportAsync(store, Account.Parse($"user{i}@example.org")));
        Assert.Null(await ExportAsync(store, Account.Parse("one-too-many@example.org")));

        var restarted = Store();

        Assert.False(Directory.Exists(restarted.Folder));
    }

    [Fact]
    public async Task Deleting_the_account_while_its_export_is_written_leaves_no_export_behind()
    {
        var store = Store();
        var token = await store.CreateAsync(Alice, async (json, ct) =>
        {
            json.WriteStartObject();
            json.WriteString("text", "written before the deletion");
            await json.FlushAsync(ct);
            // The account is deleted (in-band, prosodyctl, reconciliation) while its data is being written.
            Assert.Equal(1, await store.DeleteAccountAsync(Alice, ct));
            json.WriteString("more", "written after it");
            json.WriteEndObject();
        }, CancellationToken.None);

        Assert.Null(token);
        Assert.Equal(0, store.Count);
        Assert.Empty(Directory.GetFiles(store.Folder));
        Assert.NotNull(await ExportAsync(store, Account.Parse("bob@example.org")));
    }
}
