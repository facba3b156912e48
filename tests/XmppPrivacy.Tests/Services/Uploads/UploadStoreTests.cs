using Microsoft.Extensions.Time.Testing;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Uploads;
using XmppPrivacy.Storage;
using XmppPrivacy.Tests.Support;

namespace XmppPrivacy.Tests.Services.Uploads;

/// <summary>Slots, quotas, expiry, account deletion and start-up reconciliation on a real SQLite file and folder, with a fake clock.</summary>
public sealed class UploadStoreTests : IAsyncLifetime, IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(Start);
    private UploadFiles _files = null!;
    private UploadStore _store = null!;

    public async Task InitializeAsync()
    {
        var database = new SqliteDatabase(_directory.File("uploads.db"), XmppPrivacy.Hosting.Catalogue.Schemas);
        await database.MigrateAsync(CancellationToken.None);
        _files = new UploadFiles(new UploadOptions { StoragePath = _directory.File("uploads") });
        _files.EnsureFolders();
        _store = new UploadStore(database, _files);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _directory.Dispose();

    private UploadRow Slot(string owner = "alice@localhost", long size = 100, TimeSpan? valid = null, string service = "upload.localhost") =>
        new(UploadFiles.NewId(), owner, service, "a.txt", size, "text/plain", UploadService.HashToken("t"), UploadState.Slot,
            _time.GetUtcNow(), _time.GetUtcNow() + (valid ?? TimeSpan.FromMinutes(5)));

    private Task<bool> IssueAsync(UploadRow slot, long quota = 1000, long daily = 10_000) =>
        _store.IssueAsync(slot, quota, daily, CancellationToken.None);

    private async Task<UploadRow> StoreAsync(UploadRow slot, TimeSpan retention)
    {
        Assert.True(await IssueAsync(slot));
        Assert.True(await _store.ClaimAsync(slot.Id, _time.GetUtcNow(), CancellationToken.None));
        await using (var file = _files.CreateTemporary(slot.Id, out var temporary))
        {
            await file.WriteAsync(new byte[slot.Size]);
            file.Close();
            _files.MoveIntoPlace(temporary, slot.Id);
        }
        Assert.True(await _store.CompleteAsync(slot.Id, _time.GetUtcNow(), _time.GetUtcNow() + retention, CancellationToken.None));
        return slot;
    }

    [Fact]
    public async Task Slots_count_against_the_quota_when_issued_and_one_more_byte_is_refused()
    {
        Assert.True(await IssueAsync(Slot(size: 600)));
        Assert.True(await IssueAsync(Slot(size: 400)));
        Assert.False(await IssueAsync(Slot(size: 1)));
        Assert.True(await IssueAsync(Slot(owner: "bob@localhost", size: 1000)));
    }

    [Fact]
    public async Task Each_service_has_its_own_quota_per_user_so_files_kept_30_days_never_crowd_out_the_clipboard()
    {
        Assert.True(await IssueAsync(Slot(size: 1000)));
        Assert.False(await IssueAsync(Slot(size: 1)));
        Assert.True(await IssueAsync(Slot(size: 1000, service: "clipboard.localhost")));
        Assert.False(await IssueAsync(Slot(size: 1, service: "clipboard.localhost")));
        // The retry time of one service is that of its own slots.
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await IssueAsync(Slot(size: 1000, service: "other.localhost", valid: TimeSpan.FromMinutes(1))));
        var retry = await _store.RetryAtAsync("alice@localhost", "other.localhost", 10, 1000, 10_000, _time.GetUtcNow(), CancellationToken.None);
        Assert.Equal(Start + TimeSpan.FromMinutes(2), retry);
        // The daily quota is per service too.
        Assert.True(await IssueAsync(Slot(size: 100, service: "daily.localhost"), quota: 10_000, daily: 100));
        Assert.False(await IssueAsync(Slot(size: 1, service: "daily.localhost"), quota: 10_000, daily: 100));
        Assert.True(await IssueAsync(Slot(size: 100, service: "daily2.localhost"), quota: 10_000, daily: 100));
    }

    [Fact]
    public async Task A_discarded_upload_leaves_no_row_and_gives_its_bytes_back_at_once_but_an_open_slot_is_not_discarded()
    {
        var slot = Slot(size: 1000);
        Assert.True(await IssueAsync(slot));
        Assert.False(await _store.DiscardAsync(slot.Id, CancellationToken.None));
        Assert.True(await _store.ClaimAsync(slot.Id, _time.GetUtcNow(), CancellationToken.None));
        Assert.True(await _store.DiscardAsync(slot.Id, CancellationToken.None));
        Assert.Null(await _store.FindAsync(slot.Id, CancellationToken.None));
        Assert.True(await IssueAsync(Slot(size: 1000)));
    }

    [Fact]
    public void A_stored_file_s_folder_is_flushed_and_a_folder_that_is_not_there_is_an_IOException()
    {
        var slot = Slot();
        using (var file = _files.CreateTemporary(slot.Id, out var temporary, 10))
        {
            file.Write(new byte[10]);
            file.Close();
            _files.MoveIntoPlace(temporary, slot.Id);
        }
        Assert.Equal(10, new FileInfo(_files.PathOf(slot.Id)).Length);
        UploadFiles.SyncFolder(_directory.File("uploads"));
        Assert.Throws<IOException>(() => UploadFiles.SyncFolder(_directory.File("no-such-folder")));
        Assert.True(_files.AvailableBytes() > 0);
    }

    [Fact]
    public async Task An_unused_slot_gives_its_bytes_back_when_it_expires_and_the_retry_time_says_when()
    {
        Assert.True(await IssueAsync(Slot(size: 1000)));
        Assert.False(await IssueAsync(Slot(size: 10)));
        var retry = await _store.RetryAtAsync("alice@localhost", "upload.localhost", 10, 1000, 10_000, _time.GetUtcNow(), CancellationToken.None);
        Assert.Equal(Start + TimeSpan.FromMinutes(5), retry);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(await IssueAsync(Slot(size: 10)));
    }

    [Fact]
    public async Task The_daily_quota_counts_slots_of_the_last_24_hours()
    {
        var first = Slot(size: 60);
        await StoreAsync(first, TimeSpan.FromDays(30));
        Assert.False(await IssueAsync(Slot(size: 50), quota: 10_000, daily: 100));
        var retry = await _store.RetryAtAsync("alice@localhost", "upload.localhost", 50, 10_000, 100, _time.GetUtcNow(), CancellationToken.None);
        Assert.Equal(Start + TimeSpan.FromDays(1), retry);

        _time.Advance(TimeSpan.FromDays(1));
        Assert.True(await IssueAsync(Slot(size: 50), quota: 10_000, daily: 100));
    }

    [Fact]
    public async Task A_slot_is_claimed_by_one_PUT_only_can_be_released_for_a_retry_and_not_claimed_once_expired()
    {
        var slot = Slot();
        Assert.True(await IssueAsync(slot));
        Assert.True(await _store.ClaimAsync(slot.Id, _time.GetUtcNow(), CancellationToken.None));
        Assert.False(await _store.ClaimAsync(slot.Id, _time.GetUtcNow(), CancellationToken.None));
        Assert.True(await _store.ReleaseAsync(slot.Id, CancellationToken.None));

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(await _store.ClaimAsync(slot.Id, _time.GetUtcNow(), CancellationToken.None));
    }

    [Fact]
    public async Task A_stored_file_is_served_until_its_retention_ends_and_not_a_millisecond_longer()
    {
        var slot = await StoreAsync(Slot(), TimeSpan.FromHours(24));

        _time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await _store.FindServableAsync(slot.Id, _time.GetUtcNow(), CancellationToken.None));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await _store.FindServableAsync(slot.Id, _time.GetUtcNow(), CancellationToken.None));
    }

    [Fact]
    public async Task The_sweep_deletes_expired_files_from_disk_and_database_and_unused_slots_but_nothing_live()
    {
        var old = await StoreAsync(Slot(), TimeSpan.FromHours(1));
        var unused = Slot(valid: TimeSpan.FromMinutes(1));
        Assert.True(await IssueAsync(unused));
        var live = await StoreAsync(Slot(), TimeSpan.FromDays(30));

        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(2, await new UploadSweep(_store).RunAsync(_time.GetUtcNow(), 1, CancellationToken.None));

        Assert.Null(await _store.FindAsync(old.Id, CancellationToken.None));
        Assert.Null(await _store.FindAsync(unused.Id, CancellationToken.None));
        Assert.Equal([live.Id], _files.ListIds());
    }

    [Fact]
    public async Task Deleting_an_account_deletes_its_files_and_rows_and_nobody_else_s()
    {
        await StoreAsync(Slot(), TimeSpan.FromDays(30));
        Assert.True(await IssueAsync(Slot()));
        var bob = await StoreAsync(Slot(owner: "bob@localhost"), TimeSpan.FromDays(30));

        Assert.Equal(2, await _store.DeleteAccountAsync(Account.Parse("Alice@localhost"), CancellationToken.None));

        Assert.Equal([bob.Id], _files.ListIds());
        var accounts = new List<Account>();
        await foreach (var account in _store.AccountsAsync(CancellationToken.None)) accounts.Add(account);
        Assert.Equal([Account.Parse("bob@localhost")], accounts);
    }

    [Fact]
    public async Task Start_up_removes_temporary_files_of_an_earlier_process_rows_without_files_and_files_without_rows()
    {
        var kept = await StoreAsync(Slot(), TimeSpan.FromDays(30));
        var lost = await StoreAsync(Slot(), TimeSpan.FromDays(30));
        File.Delete(_files.PathOf(lost.Id));
        var orphan = UploadFiles.NewId();
        await File.WriteAllBytesAsync(_files.PathOf(orphan), [1]);
        var interrupted = Slot();
        Assert.True(await IssueAsync(interrupted));
        Assert.True(await _store.ClaimAsync(interrupted.Id, _time.GetUtcNow(), CancellationToken.None));
        // What an earlier process was writing when it was killed.
        var earlier = new UploadFiles(new UploadOptions { StoragePath = _directory.File("uploads") });
        await using (earlier.CreateTemporary(interrupted.Id, out _)) { }

        var restarted = new UploadFiles(new UploadOptions { StoragePath = _directory.File("uploads") });
        Assert.Equal(1, restarted.RemoveInterrupted());
        Assert.Equal(2, await _store.ReconcileAsync(CancellationToken.None));

        Assert.Equal(0, restarted.TemporaryCount);
        Assert.Equal([kept.Id], _files.ListIds());
        Assert.Null(await _store.FindAsync(lost.Id, CancellationToken.None));
        Assert.Equal(UploadState.Slot, (await _store.FindAsync(interrupted.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public void A_path_is_only_ever_made_from_a_generated_id()
    {
        Assert.Throws<ArgumentException>(() => _files.PathOf("../../etc/passwd"));
        Assert.Throws<ArgumentException>(() => _files.PathOf("AAAAAAAAAAAAAAAAAAAA/."));
        Assert.True(UploadFiles.IsId(UploadFiles.NewId()));
        Assert.NotEqual(UploadFiles.NewId(), UploadFiles.NewId());
    }

    [Fact]
    public void A_storage_path_that_cannot_be_written_is_reported_and_a_writable_one_is_not()
    {
        Assert.Null(UploadFiles.CheckWritable(_directory.File("ok")));
        var blocked = _directory.File("a-file");
        File.WriteAllText(blocked, "");
        Assert.Contains("Upload:StoragePath", UploadFiles.CheckWritable(Path.Combine(blocked, "below")), StringComparison.Ordinal);
    }
}
